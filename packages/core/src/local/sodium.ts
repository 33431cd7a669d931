/**
 * libsodium's sealed boxes (`crypto_box_seal`: X25519 + XSalsa20-Poly1305, an ephemeral sender key
 * per message) through `sodium-native`. Loaded on first use only, so commands that need no local
 * key pay nothing for it. See docs/decisions.md for why sealed boxes.
 */
import { dirname, join } from "node:path";
import { ConfigError } from "../errors.ts";
import { untrustedPart } from "../trusted-path.ts";
import { jsSodium } from "./sodium-js.ts";

// Not ESM imports of node:fs and node:module: their facades cost ~5 ms at every start of an
// application that uses `s5/config` (see config.ts).
const { existsSync, readFileSync, statSync } = process.getBuiltinModule("node:fs");
const requireFrom = (url: string) => process.getBuiltinModule("node:module").createRequire(url);

/** The five libsodium functions s5 uses, with sodium-native's signatures. */
export interface SodiumModule {
  crypto_box_keypair(publicKey: Buffer, secretKey: Buffer): void;
  crypto_scalarmult_base(publicKey: Buffer, secretKey: Buffer): void;
  crypto_box_seal(out: Buffer, message: Buffer, publicKey: Buffer): void;
  crypto_box_seal_open(out: Buffer, sealed: Buffer, publicKey: Buffer, secretKey: Buffer): boolean;
  crypto_generichash(out: Buffer, input: Buffer): void;
}

/**
 * The sodium-native major version whose native binding the fast path below was written against.
 * Any 5.x is taken (no exact pin that would silently hold back upgrades); test/sodium.test.ts
 * fails when a release changes the binding's layout, and then this must change too.
 */
const FAST_MAJOR = 5;

function check(ok: boolean, what: string): void {
  // The native binding aborts the process on a wrong size: refuse first.
  if (!ok) throw new RangeError(`libsodium: ${what} has the wrong size`);
}

function status(code: number): void {
  if (code !== 0) throw new Error(`libsodium status ${code}`);
}

// biome-ignore lint/suspicious/noExplicitAny: the raw binding of sodium-native
type Binding = Record<string, any>;

function fromBinding(b: Binding): SodiumModule {
  const views = (buf: Buffer) => [buf.buffer, buf.byteOffset, buf.byteLength] as const;
  return {
    crypto_box_keypair(pk, sk) {
      check(pk.byteLength === 32 && sk.byteLength === 32, "a key");
      status(b.crypto_box_keypair(pk, sk));
    },
    crypto_scalarmult_base(q, n) {
      check(q.byteLength === 32 && n.byteLength === 32, "a key");
      status(b.crypto_scalarmult_base(q, n));
    },
    crypto_box_seal(c, m, pk) {
      check(c.byteLength === m.byteLength + 48 && pk.byteLength === 32, "a sealed box");
      status(b.crypto_box_seal(c, m, pk));
    },
    crypto_box_seal_open(m, c, pk, sk) {
      check(c.byteLength >= 48 && m.byteLength === c.byteLength - 48, "a sealed box");
      check(pk.byteLength === 32 && sk.byteLength === 32, "a key");
      return b.crypto_box_seal_open(...views(m), ...views(c), ...views(pk), ...views(sk));
    },
    crypto_generichash(out, input) {
      check(out.byteLength >= 16 && out.byteLength <= 64, "a hash");
      const key = Buffer.alloc(0);
      status(b.crypto_generichash(...views(out), ...views(input), ...views(key)));
    },
  };
}

/** Where sodium-native was found, and why it was not loaded (see {@link untrusted}). */
interface Refused {
  dir: string;
  why: string;
}

/**
 * Why `path` (sodium-native's directory or its addon) must not be loaded, or `undefined` when it
 * may. A native addon runs as whoever loads it, and Node's resolution walks up through every
 * `node_modules` above the install and above where it starts: with s5 installed without
 * sodium-native (`--omit=optional`), another user's `/tmp/node_modules/sodium-native` ran as the
 * user who started s5 or an application in a directory below /tmp. So the rule of
 * ../trusted-path.ts applies, with the owner of s5's own files trusted too (a CI container's root
 * over a runner's checkout).
 */
function untrusted(path: string): string | undefined {
  const owners: number[] = [];
  try {
    const { fileURLToPath } = process.getBuiltinModule("node:url");
    owners.push(statSync(fileURLToPath(import.meta.url)).uid);
  } catch {
    // no file of s5's own here (a bundle): root and this user only
  }
  return untrustedPart(path, { owners })?.text;
}

/**
 * sodium-native's JavaScript wrapper costs ~16 ms to load (its `require-addon` chain and `assert`),
 * its native binding ~2 ms. For the major release this was written against, load the prebuilt binding
 * directly and check sizes here as the wrapper does; otherwise (another release, a platform
 * without a prebuild, a bundled app) use the package as it is.
 */
function loadFast(manifest: string): SodiumModule | Refused | undefined {
  try {
    const version = String(JSON.parse(readFileSync(manifest, "utf8")).version);
    if (Number(version.split(".")[0]) !== FAST_MAJOR) return undefined;
    const addon = join(
      dirname(manifest),
      "prebuilds",
      `${process.platform}-${process.arch}`,
      "sodium-native.node",
    );
    if (!existsSync(addon)) return undefined;
    const why = untrusted(addon);
    if (why) return { dir: dirname(manifest), why };
    const module = { exports: {} as Binding };
    process.dlopen(module, addon);
    return typeof module.exports.crypto_box_seal_open === "function"
      ? fromBinding(module.exports)
      : undefined;
  } catch {
    return undefined;
  }
}

let loaded: SodiumModule | undefined;

/** sodium-native, `undefined` when it cannot load, or where it was found and why it was not loaded. */
function loadNative(): SodiumModule | Refused | undefined {
  try {
    const require = requireFrom(import.meta.url);
    const manifest = require.resolve("sodium-native/package.json");
    const fast = loadFast(manifest);
    if (fast) return fast;
    // The package as published: its own files and whatever addon it finds under its directory.
    const why = untrusted(dirname(manifest));
    if (why) return { dir: dirname(manifest), why };
    return require("sodium-native") as SodiumModule;
  } catch {
    // Not installed (an optional dependency), no prebuild for this platform, or a single-file
    // executable, which cannot load a native addon from inside itself.
    return undefined;
  }
}

const isRefused = (value: SodiumModule | Refused): value is Refused => "why" in value;

/**
 * Chooses once: sodium-native when it loads, else the JavaScript libsodium (same tokens, slower:
 * see docs/decisions.md). `S5_SODIUM=js` or `native` forces one; `native` fails when it cannot load.
 */
function choose(): SodiumModule {
  const wanted = process.env.S5_SODIUM;
  if (wanted !== undefined && wanted !== "" && wanted !== "js" && wanted !== "native") {
    throw new ConfigError("S5_CONFIG_SODIUM", `S5_SODIUM must be \`native\` or \`js\``, {
      hint: "unset S5_SODIUM to use sodium-native when it loads and the JavaScript libsodium otherwise",
    });
  }
  if (wanted !== "js") {
    const native = loadNative();
    if (native && isRefused(native)) {
      const message = `sodium-native was found at ${native.dir}, but ${native.why}: a native addon there could run code as you, so it is not loaded`;
      const hint = `install sodium-native beside s5 (npm install sodium-native), or remove ${native.dir}; S5_SODIUM=js uses the JavaScript libsodium`;
      if (wanted === "native") {
        throw new ConfigError("S5_CONFIG_SODIUM_UNSAFE", message, { hint });
      }
      // The JavaScript libsodium makes and opens the same tokens; say why it is used.
      process.stderr.write(
        `s5: warning: ${message}; the JavaScript libsodium is used instead (S5_CONFIG_SODIUM_UNSAFE)\n  hint: ${hint}\n`,
      );
    } else if (native) {
      return native;
    }
    if (wanted === "native") {
      throw new ConfigError(
        "S5_CONFIG_SODIUM_NATIVE",
        "S5_SODIUM=native, but sodium-native cannot be loaded here",
        {
          hint: "npm install sodium-native (it has prebuilds for Linux, macOS and Windows), or unset S5_SODIUM",
          missing: true,
        },
      );
    }
  }
  try {
    return jsSodium();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code !== "MODULE_NOT_FOUND" && code !== "ERR_MODULE_NOT_FOUND") throw error;
    throw new ConfigError(
      "S5_CONFIG_SODIUM_MISSING",
      wanted === "js"
        ? "S5_SODIUM=js, but the JavaScript libsodium (@noble/ciphers, @noble/hashes) cannot be loaded here"
        : "local keys need libsodium, and neither sodium-native nor the JavaScript libsodium (@noble/ciphers, @noble/hashes) can be loaded here",
      {
        hint: "reinstall s5 so that its dependencies are present (npm install s5); a bundled application keeps sodium-native external and ships node_modules/sodium-native beside the bundle",
        missing: true,
      },
    );
  }
}

/** libsodium, loaded on first use (synchronously: it is CPU work either way). */
export function loadSodiumSync(): SodiumModule {
  loaded ??= choose();
  return loaded;
}

export async function loadSodium(): Promise<SodiumModule> {
  return loadSodiumSync();
}

/** The wrapper as published, for tests that compare it with the fast path. */
export function loadSodiumPackage(): SodiumModule {
  return requireFrom(import.meta.url)("sodium-native") as SodiumModule;
}

export const SEAL_OVERHEAD = 48;
export const KEY_BYTES = 32;

export interface KeyPair {
  publicKey: Buffer;
  secretKey: Buffer;
}

export function generateKeyPair(sodium: SodiumModule): KeyPair {
  const publicKey = Buffer.alloc(KEY_BYTES);
  const secretKey = Buffer.alloc(KEY_BYTES);
  sodium.crypto_box_keypair(publicKey, secretKey);
  return { publicKey, secretKey };
}

export function publicKeyOf(sodium: SodiumModule, secretKey: Buffer): Buffer {
  const publicKey = Buffer.alloc(KEY_BYTES);
  sodium.crypto_scalarmult_base(publicKey, secretKey);
  return publicKey;
}

export function seal(sodium: SodiumModule, message: Uint8Array, publicKey: Buffer): Buffer {
  const out = Buffer.alloc(message.byteLength + SEAL_OVERHEAD);
  sodium.crypto_box_seal(
    out,
    Buffer.from(message.buffer, message.byteOffset, message.byteLength),
    publicKey,
  );
  return out;
}

/** Opens a sealed box; `undefined` when the key does not open it (wrong key or altered box). */
export function open(sodium: SodiumModule, sealed: Buffer, pair: KeyPair): Buffer | undefined {
  if (sealed.length < SEAL_OVERHEAD) return undefined;
  const out = Buffer.alloc(sealed.length - SEAL_OVERHEAD);
  return sodium.crypto_box_seal_open(out, sealed, pair.publicKey, pair.secretKey) ? out : undefined;
}

/** A short, stable id for a public key: 8 base64url characters of its BLAKE2b hash. */
export function keyIdOf(sodium: SodiumModule, publicKey: Buffer): string {
  const hash = Buffer.alloc(16);
  sodium.crypto_generichash(hash, Buffer.concat([Buffer.from("s5 local key id\0"), publicKey]));
  return hash.subarray(0, 6).toString("base64url");
}
