/**
 * The build every package shares: ESM for Node 22+, declarations, an exports map written from the
 * entries, sourcemaps. A package's tsdown.config.ts names its entries and what differs.
 */
import { defineConfig, type UserConfig } from "tsdown";

export function packageBuild(entry: string[], extra: Partial<UserConfig> = {}) {
  return defineConfig({
    entry,
    format: "esm",
    platform: "node",
    target: "node22",
    dts: true,
    exports: true,
    sourcemap: true,
    ...extra,
  });
}
