// The public API of this package, from its built declarations (scripts/api-report.mjs).

// ---- cli.d.mts ----
/**
 * What this run did, for bin/engine.cjs, which keeps V8's compiled code of each command and
 * writes it again when a run went where the cached code had not: the command run, and the
 * backends it used as bits (local 1, aes 2, vault 4).
 */
export declare function reached(): {
  command: string | undefined;
  backends: number;
};
export declare function main(argv: readonly string[]): Promise<number>;

// ---- config.d.mts ----
/**
 * `import "s5/config"` (also `require("s5/config")`, `node --import s5/config`, `node -r s5/config`):
 * decrypts `.env` files and `process.env` before the application's next import runs. The
 * implementation lives in @s5/loader.
 */
import "@s5/loader/config";

// ---- index.d.mts ----
/**
 * The `s5` package: the command-line tool, and the core API for programs
 * (`import { renderSources, createBackends, resolveSettings } from "s5"`).
 */
export * from "@s5/core";

// ---- preload.d.mts ----
/**
 * `node --import s5/preload app.js`: `s5/config` for Node's `--import`, decrypting without a
 * worker thread (see @s5/loader/preload). Imported any other way it acts as `s5/config`.
 */
import "@s5/loader/preload";
