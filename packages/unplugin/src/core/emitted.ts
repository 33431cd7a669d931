/**
 * What a build emitted, as `{ name, text }`, in each bundler's own shape: the output scans
 * (tokens that reached an output, plaintexts in client outputs) read only this.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";

export interface EmittedFile {
  name: string;
  text: string;
}

/** One entry of a Vite/Rollup/Rolldown `OutputBundle` (only what the scans read). */
export type BundleItem =
  | { type: "chunk"; code: string; map?: unknown }
  | { type: "asset"; source: string | Uint8Array };

/** Vite/Rollup/Rolldown `generateBundle`: the chunks, their sourcemaps, and the assets. */
export function bundleFiles(bundle: Readonly<Record<string, BundleItem>>): EmittedFile[] {
  const files: EmittedFile[] = [];
  const decoder = new TextDecoder();
  for (const [name, item] of Object.entries(bundle)) {
    if (item.type === "chunk") {
      files.push({ name, text: item.code ?? "" });
      if (item.map) files.push({ name: `${name}.map`, text: JSON.stringify(item.map) });
    } else {
      const source = item.source;
      files.push({ name, text: typeof source === "string" ? source : decoder.decode(source) });
    }
  }
  return files;
}

/**
 * esbuild `onEnd`: the in-memory output files when `write: false`, otherwise the files the
 * metafile lists, read back from disk (the plugin turns the metafile on for that).
 */
export async function esbuildFiles(
  result: {
    outputFiles?: { path: string; text: string }[] | undefined;
    metafile?: { outputs: Record<string, unknown> } | undefined;
  },
  cwd: string,
): Promise<EmittedFile[]> {
  if (result.outputFiles) {
    return result.outputFiles.map((file) => ({ name: file.path, text: file.text }));
  }
  const files: EmittedFile[] = [];
  for (const name of Object.keys(result.metafile?.outputs ?? {})) {
    files.push({ name, text: await readFile(resolve(cwd, name), "utf8") });
  }
  return files;
}

/** webpack/Rspack `processAssets`: every asset of the compilation. */
export function webpackFiles(
  assets: readonly { name: string; source: { source(): string | Buffer } }[],
): EmittedFile[] {
  return assets.map((asset) => {
    const source = asset.source.source();
    return {
      name: asset.name,
      text: typeof source === "string" ? source : source.toString("utf8"),
    };
  });
}
