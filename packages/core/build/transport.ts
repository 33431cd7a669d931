/**
 * The Vault transport (node-vault and axios, with their dependencies) is bundled into core's lazily
 * imported Vault chunk, and axios is kept from loading what s5 never uses. See docs/decisions.md,
 * "What the Vault path costs".
 *
 * Each edit of axios below must match exactly once: an axios release that changes these lines
 * fails the build here, so a review cannot be skipped by accident.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import type { UserConfig } from "tsdown";

type Plugin = Extract<NonNullable<UserConfig["plugins"]>, { name: string }>;

/**
 * The packages bundled into the Vault chunk: node-vault and everything it imports, and axios, which
 * the sender (src/vault/transport.ts) imports itself: the same file as node-vault's, one copy.
 */
export function isTransportModule(id: string, importer: string | undefined): boolean {
  if (id === "sodium-native" || id.startsWith("sodium-native/")) return false;
  if (id === "node-vault" || id === "axios" || id.startsWith("axios/")) return true;
  return importer?.includes(`${sep}node_modules${sep}`) === true;
}

interface Edit {
  why: string;
  from: string;
  to: string;
}

/**
 * `__s5Lazy(() => require(…))`: a stand-in that requires the module on first use (a property read,
 * a call, `new`, `instanceof`). Appended to each edited file (a function declaration, hoisted).
 */
const LAZY_HELPER = `
function __s5Lazy(load) {
  let loaded;
  const target = () => (loaded ??= load());
  return new Proxy(function () {}, {
    get: (_, key) => Reflect.get(target(), key),
    has: (_, key) => Reflect.has(target(), key),
    set: (_, key, value) => Reflect.set(target(), key, value),
    apply: (_, self, args) => Reflect.apply(target(), self, args),
    construct: (_, args) => Reflect.construct(target(), args),
  });
}
`;

/** `var name = require(q + id + q);` required on first use instead (see {@link LAZY_HELPER}). */
function lazyRequire(why: string, line: string): Edit {
  return { why, from: line, to: line.replace(/require\((.+)\);$/, "__s5Lazy(() => require($1));") };
}

/**
 * TLS (https, tls and crypto: ~8–10 ms in the loader's worker, where Node has no code cache for its
 * built-ins) serves only `https://` Vault addresses: required on first use. The client builds its
 * https agent on first use too (src/vault/client.ts).
 */
const HTTPS_ON_FIRST_USE = "https, tls and crypto loaded on first use";

/** axios's Node build (dist/node/axios.cjs), the one node-vault's `require("axios")` loads. */
const AXIOS_EDITS: Edit[] = [
  {
    // http2 (~10–20 ms to load) serves only requests made with `httpVersion: 2`; s5 sends HTTP/1.1.
    why: "http2 loaded on first use",
    from: "var http2 = require('http2');",
    to: "var http2 = new Proxy({}, { get: (_, key) => require('http2')[key] });",
  },
  {
    // Reading globalThis.FormData loads Node's fetch implementation (undici, ~30–40 ms). isFormData
    // still recognises a FormData by its tag (`[object FormData]`) on the next lines.
    why: "no global FormData lookup at load",
    from: "const FormDataCtor = typeof G.FormData !== 'undefined' ? G.FormData : undefined;",
    to: "const FormDataCtor = undefined;",
  },
  {
    // A warm-up of the fetch adapter's cache, which builds Request/Response objects (undici again).
    // The fetch adapter still builds itself on first use; in Node axios picks the http adapter.
    why: "no fetch adapter warm-up at load",
    from: "\ngetFetch();\n",
    to: "\n",
  },
  // form-data (with combined-stream, mime-types, asynckit: ~10 ms) builds multipart bodies, which
  // s5 never sends; https-proxy-agent (net, tls) tunnels https:// requests through a proxy.
  lazyRequire("form-data loaded on first use", "var FormData$1 = require('form-data');"),
  lazyRequire(HTTPS_ON_FIRST_USE, "var HttpsProxyAgent = require('https-proxy-agent');"),
  lazyRequire(HTTPS_ON_FIRST_USE, "var https = require('https');"),
  lazyRequire(HTTPS_ON_FIRST_USE, "var crypto = require('crypto');"),
];

/** Every edited file, by the end of its path, with its edits. */
const EDITED: { file: RegExp; edits: Edit[] }[] = [
  { file: /[\\/]node_modules[\\/]axios[\\/]dist[\\/]node[\\/]axios\.cjs$/, edits: AXIOS_EDITS },
  {
    file: /[\\/]node_modules[\\/]follow-redirects[\\/]index\.js$/,
    edits: [lazyRequire(HTTPS_ON_FIRST_USE, 'var https = require("https");')],
  },
  {
    // debug (node-vault's and follow-redirects' logger) asks tty whether stderr is a terminal, and
    // supports-color which colours it has (~4 ms for tty). s5 never lets debug print: node-vault
    // gets a no-op logger, the CLI drops DEBUG, the loader's worker has an empty environment.
    file: /[\\/]node_modules[\\/]debug[\\/]src[\\/]node\.js$/,
    edits: [
      lazyRequire("no terminal check at load", "const tty = require('tty');"),
      {
        why: "no terminal check at load",
        from: "const supportsColor = require('supports-color');",
        to: "const supportsColor = undefined;",
      },
      {
        why: "no terminal check at load",
        from: "tty.isatty(process.stderr.fd);",
        to: "false;",
      },
    ],
  },
  {
    file: /[\\/]node_modules[\\/]node-vault[\\/]src[\\/]index\.js$/,
    edits: [lazyRequire(HTTPS_ON_FIRST_USE, "const https = require('https');")],
  },
];

function applyEdits(code: string, edits: Edit[], file: string): string {
  let out = code;
  for (const edit of edits) {
    const count = out.split(edit.from).length - 1;
    if (count !== 1) {
      throw new Error(
        `s5 build: ${file} has ${count} copies of the line to edit (${edit.why}); the package ` +
          "changed: review packages/core/build/transport.ts",
      );
    }
    out = out.replace(edit.from, edit.to);
  }
  return out.includes("__s5Lazy(") ? `${out}\n${LAZY_HELPER}` : out;
}

/** Edits axios's Node build, follow-redirects and node-vault as they are bundled. */
export const lazyAxios: Plugin = {
  name: "s5-lazy-axios",
  transform: {
    filter: { id: EDITED.map((item) => item.file) },
    handler(code, id) {
      const item = EDITED.find((candidate) => candidate.file.test(id));
      if (!item) return undefined;
      return { code: applyEdits(code, item.edits, id), map: null };
    },
  },
};

/**
 * mime-db (180 kB of JSON, a third of the transport) is the MIME table of mime-types, which
 * form-data reads to label file uploads. s5 sends JSON only and never uploads a file: an empty
 * table. form-data would label an upload `application/octet-stream`.
 */
export const noMimeTable: Plugin = {
  name: "s5-no-mime-table",
  load: {
    filter: { id: /[\\/]node_modules[\\/]mime-db[\\/]index\.js$/ },
    handler() {
      return { code: "module.exports = {};\n", map: null };
    },
  },
};

/** The license texts of the bundled packages, next to the code (they are MIT / ISC / BSD). */
export const transportLicenses: Plugin = {
  name: "s5-transport-licenses",
  generateBundle(_options, bundle) {
    const packages = new Map<string, string>();
    for (const item of Object.values(bundle)) {
      if (item.type !== "chunk") continue;
      for (const id of item.moduleIds) {
        const at = id.lastIndexOf(`${sep}node_modules${sep}`);
        if (at < 0) continue;
        let dir = dirname(id);
        while (dir.length > at && !existsSync(join(dir, "package.json"))) dir = dirname(dir);
        const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
        if (!manifest.name || packages.has(manifest.name)) continue;
        const license = ["LICENSE", "LICENSE.md", "LICENSE.txt", "license", "LICENCE"]
          .map((name) => join(dir, name))
          .find((file) => existsSync(file));
        packages.set(
          `${manifest.name}@${manifest.version}`,
          license ? readFileSync(license, "utf8").trim() : `License: ${manifest.license}`,
        );
      }
    }
    if (packages.size === 0) return;
    const text = [...packages]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, license]) => `## ${name}\n\n${license}\n`)
      .join("\n");
    this.emitFile({
      type: "asset",
      fileName: "THIRD-PARTY-LICENSES.md",
      source: `# Third-party code bundled in dist/ (the Vault transport)\n\n${text}`,
    });
  },
};
