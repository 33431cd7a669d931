/**
 * Shared set-up of the bundler tests: throw-away local keys in a sandbox (private XDG config
 * home, nothing from the developer's environment), secrets encrypted at test time, and the apps'
 * `*.template.*` files rendered to `*.generated.*` files with real tokens in place of the
 * `%NAME%` placeholders. No key is ever committed.
 */

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createBackends, formatToken, resolveSettings } from "@s5/core";
import { beforeAll } from "vitest";
import { runChild } from "../child.ts";
import { sandbox } from "../cli/run.ts";
import { linkModules } from "../loader/helpers.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const APPS = join(REPO, "apps");
const BIN = join(REPO, "node_modules", ".bin");

/** Values chosen to break naive string splicing: quotes, backslashes, newlines, `${`, backticks. */
export const SECRETS = {
  // biome-ignore-start lint/suspicious/noTemplateCurlyInString: `${` in a secret is the point
  DB_PASSWORD: "p@ss\"wo'rd\\ with\nnewline and ${HOME} and `tick`",
  API_KEY: 'api-key-"json"\\-0123456789',
  GREETING: "wörld ${1+1} $",
  PUBLIC_KEY: "pk_live_public_0123456789",
  // biome-ignore-end lint/suspicious/noTemplateCurlyInString: -
} as const;

type SecretName = keyof typeof SECRETS;

export interface Keys {
  /** Environment for bundler processes: the sandbox home and its project config. */
  env: Record<string, string>;
  tokens: Record<SecretName, string>;
  encrypt(value: string): Promise<string>;
  /** Many values in one call (one backend batch). */
  encryptMany(values: readonly string[]): Promise<string[]>;
}

export async function makeKeys(): Promise<Keys> {
  const box = sandbox();
  const init = await box.s5(["init", "--name", "test-only"]);
  if (init.code !== 0) throw new Error(`s5 init failed: ${init.stderr}`);
  const env = {
    ...box.env,
    S5_CONFIG: join(box.dir, ".s5.json"),
    PATH: `${BIN}:${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
  };
  const backends = createBackends(resolveSettings({ cwd: box.dir, env }));
  const local = await backends.get("local");
  const encrypt = async (value: string) => {
    const [body] = await local.encrypt([new TextEncoder().encode(value)]);
    return formatToken(body!);
  };
  const encryptMany = async (values: readonly string[]) => {
    const bodies = await local.encrypt(values.map((value) => new TextEncoder().encode(value)));
    return bodies.map((body) => formatToken(body));
  };
  const tokens = {} as Record<SecretName, string>;
  for (const name of Object.keys(SECRETS) as SecretName[])
    tokens[name] = await encrypt(SECRETS[name]);
  return { env, tokens, encrypt, encryptMany };
}

/** Writes every `src/*.template.*` of an app as `*.generated.*` with tokens in place. */
export function renderApp(app: string, tokens: Record<string, string>): void {
  const src = join(APPS, app, "src");
  for (const name of readdirSync(src)) {
    if (!name.includes(".template.")) continue;
    const text = readFileSync(join(src, name), "utf8").replace(
      /%([A-Z_]+)%/g,
      (whole, key: string) => tokens[key] ?? whole,
    );
    writeFileSync(join(src, name.replace(".template.", ".generated.")), text);
  }
}

export function clean(app: string): void {
  rmSync(join(APPS, app, "dist"), { recursive: true, force: true });
  rmSync(join(APPS, app, ".cache"), { recursive: true, force: true });
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command (a bundler CLI from node_modules/.bin, or node) in an app's directory. */
export function run(
  app: string,
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<Result> {
  const cwd = join(APPS, app);
  // An app's own node_modules/.bin first (webpack-cli lives there, not at the root).
  const PATH = `${join(cwd, "node_modules", ".bin")}:${env.PATH ?? ""}`;
  return runChild(command, args, { cwd, env: { ...env, PATH } });
}

/** Every file under a directory, as text. */
export function readTree(dir: string): string {
  let out = "";
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out += readFileSync(join(entry.parentPath, entry.name), "latin1");
  }
  return out;
}

/** A temporary ES module project (the repository's node_modules linked) with `files` (name → text). */
/**
 * Throw-away keys made before a test file's tests, and `secret` sealed with them: read
 * `sealed.keys` and `sealed.token` inside the tests.
 */
export function sealedBeforeAll(secret: string): { keys: Keys; token: string } {
  const sealed = {} as { keys: Keys; token: string };
  beforeAll(async () => {
    sealed.keys = await makeKeys();
    sealed.token = await sealed.keys.encrypt(secret);
  });
  return sealed;
}

export function tempProject(prefix: string, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  linkModules(dir);
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
