/**
 * The Vault transport, node-vault, is bundled into core's lazily imported Vault chunk: its one
 * file, src/index.js. s5 hands node-vault its own sender (`request-promise`), request check
 * (`tv4`), logger (`debug`) and no generated commands (`commands: {}`), see src/vault/client.ts;
 * what node-vault would load for those defaults (axios and its ~30 dependencies, tv4, mustache,
 * debug, its command table) is left out of the bundle. See docs/decisions.md, "What the Vault path
 * costs" and "Third pass".
 *
 * Each edit below must match exactly once: a node-vault release that changes these lines fails
 * the build here, so a review cannot be skipped by accident.
 */
import type { UserConfig } from "tsdown";

type Plugin = Extract<NonNullable<UserConfig["plugins"]>, { name: string }>;

/** The package bundled into the Vault chunk (and nothing it would import: see {@link EDITS}). */
export function isTransportModule(id: string): boolean {
  return id === "node-vault";
}

interface Edit {
  why: string;
  from: string;
  to: string;
}

/**
 * A stand-in for a module that is not bundled: any use throws, naming it. s5 passes its own value
 * for each, so node-vault never reaches one; if a node-vault release starts to, the Vault tests
 * fail with this message instead of s5 silently loading something else.
 */
const NOT_BUNDLED_HELPER = `
function __s5NotBundled(name) {
  const fail = () => {
    throw new Error("s5: node-vault used " + name + ", which s5 does not bundle (see packages/core/build/transport.ts)");
  };
  return new Proxy(function () {}, { get: fail, has: fail, set: fail, apply: fail, construct: fail });
}
`;

const notBundled = (why: string, line: string, name: string): Edit => ({
  why,
  from: line,
  to: line.replace(/require\(.+\);$/, `__s5NotBundled(${JSON.stringify(name)});`),
});

/** node-vault's src/index.js: each default s5 replaces through node-vault's own options. */
const EDITS: Edit[] = [
  {
    // A bundled `require` makes the chunk start with `createRequire(import.meta.url)`, which the
    // CLI's and the loader's engines answer by resolving where core or sodium-native is (~1-2 ms
    // on a Vault start that needs neither). A built-in needs no resolving.
    why: "events: a built-in, taken without a require",
    from: "const EventEmitter = require('events');",
    to: 'const EventEmitter = process.getBuiltinModule("node:events");',
  },
  {
    // node-vault's logger prints request bodies (plaintexts) under DEBUG=node-vault; s5 always
    // passes a no-op (`debug`), and this default is a no-op too.
    why: "debug: s5 passes a no-op logger",
    from: "const originalDebug = require('debug')('node-vault');",
    to: "const originalDebug = () => {};",
  },
  notBundled("tv4: s5 passes its request check", "const originalTv4 = require('tv4');", "tv4"),
  notBundled(
    "commands: s5 passes none (it uses the generic request)",
    "const originalCommands = require('./commands.js');",
    "its command table",
  ),
  notBundled(
    "mustache: renders the generated commands' paths, which s5 does not use",
    "const originalMustache = require('mustache');",
    "mustache",
  ),
  notBundled(
    "axios: s5 passes its own sender (request-promise)",
    "const axios = require('axios');",
    "axios",
  ),
  notBundled(
    "https: only node-vault's default sender builds agents; s5 passes its own",
    "const https = require('https');",
    "https",
  ),
];

/** node-vault's one file s5 bundles. */
export const NODE_VAULT = /[\\/]node_modules[\\/]node-vault[\\/]src[\\/]index\.js$/;

/**
 * node-vault's `code` (from `file`) with {@link EDITS} made: core's build and the single-file
 * build (scripts/build-binary.mjs) bundle the same node-vault.
 */
export function applyEdits(code: string, file: string): string {
  let out = code;
  for (const edit of EDITS) {
    const count = out.split(edit.from).length - 1;
    if (count !== 1) {
      throw new Error(
        `s5 build: ${file} has ${count} copies of the line to edit (${edit.why}); the package ` +
          "changed: review packages/core/build/transport.ts",
      );
    }
    out = out.replace(edit.from, edit.to);
  }
  if (/\brequire\(/.test(out)) {
    throw new Error(
      `s5 build: ${file} requires a module s5 did not review; see packages/core/build/transport.ts`,
    );
  }
  return `${out}\n${NOT_BUNDLED_HELPER}`;
}

/** Edits node-vault as it is bundled. */
export const leanNodeVault: Plugin = {
  name: "s5-lean-node-vault",
  transform: {
    filter: { id: NODE_VAULT },
    handler(code, id) {
      return { code: applyEdits(code, id), map: null };
    },
  },
};
