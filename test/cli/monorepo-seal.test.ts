// A monorepo's files sealed in one run: `s5 seal -i apps/a/x.yml apps/b/y.yml` from the top seals
// each file with its own project's keys (the nearest `.s5.json` above it), all or nothing across
// the projects, and leaves no project's `.s5.json.lock` behind. Before, files of two projects in
// one run were refused (S5_USAGE, exit 2). Also `s5 k8s wrap`/`unwrap`, which read the Go tool's
// bare tokens with the backend of each file's project.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Sandbox, sandbox } from "./run.ts";

/** The key ids of the local-key tokens in `text`. */
const keyIds = (text: string) => [...text.matchAll(/s5:local:([\w-]{8}):/g)].map((m) => m[1]);

const keyOf = (dir: string) =>
  JSON.parse(readFileSync(join(dir, ".s5.json"), "utf8")).local.keys.at(-1).id as string;

/** A user of their own: a home with its own identity. */
function user(box: Sandbox, name: string): Record<string, string> {
  const home = join(box.dir, "..", `home-${name}`);
  mkdirSync(home);
  return { HOME: home, XDG_CONFIG_HOME: join(home, ".config") };
}

/**
 * A top directory without a project and two apps of their own: Alice's `apps/a` and Bob's
 * `apps/b`, each with its own project key. Carol, a recipient of both, seals.
 */
async function monorepo() {
  const box = sandbox();
  const alice = user(box, "alice");
  const bob = user(box, "bob");
  const carol = user(box, "carol");
  const a = join(box.dir, "apps", "a");
  const b = join(box.dir, "apps", "b");
  mkdirSync(a, { recursive: true });
  mkdirSync(b, { recursive: true });
  expect((await box.s5(["init", "--dir", ".", "--name", "a"], { env: alice, cwd: a })).code).toBe(
    0,
  );
  expect((await box.s5(["init", "--dir", ".", "--name", "b"], { env: bob, cwd: b })).code).toBe(0);
  const generated = await box.s5(["keys", "generate"], { env: carol });
  Object.assign(carol, { S5_PRIVATE_KEY: generated.stdout.toString().trim() });
  const carolKey = generated.stderr.match(/s5pk-[\w-]{43}/)![0];
  expect((await box.s5(["keys", "add", "carol", carolKey], { env: alice, cwd: a })).code).toBe(0);
  expect((await box.s5(["keys", "add", "carol", carolKey], { env: bob, cwd: b })).code).toBe(0);
  // Carol's machine has sealed in both before: its first use of each project's key, said once
  // (a warning), is behind it, so what a test reads on stderr is the run's own.
  for (const cwd of [a, b]) {
    const first = await box.s5(["cipher", "x"], { env: carol, cwd });
    expect(first.stderr).toContain("trusted as this machine's first use of local keys");
  }
  return { box, alice, bob, carol, a, b };
}

/** No temporary file, no lock: only what was there. */
function onlyFiles(dir: string, names: string[]) {
  expect(readdirSync(dir).sort()).toEqual([".s5.json", ...names].sort());
}

describe("s5 seal of files of several projects in one run", () => {
  it("seals each file to its own project's key, which only that project's recipients open", async () => {
    const { box, alice, bob, carol, a, b } = await monorepo();
    writeFileSync(join(a, "x.yml"), "x: {{ s5:seal for-a }}\n");
    writeFileSync(join(b, "y.yml"), "y: {{ s5:seal for-b }}\n");
    const sealed = await box.s5(["seal", "-i", "apps/a/x.yml", "apps/b/y.yml"], { env: carol });
    // Before: "one run seals with one project's keys" (S5_USAGE), exit 2. Each file's line says
    // which key its values went to.
    expect(sealed.stderr).toBe(
      `apps/a/x.yml: 1 new token(s): 1 to local key ${keyOf(a)} (2 recipients)\n` +
        `apps/b/y.yml: 1 new token(s): 1 to local key ${keyOf(b)} (2 recipients)\n`,
    );
    expect(sealed.code).toBe(0);
    const x = readFileSync(join(a, "x.yml"), "utf8");
    const y = readFileSync(join(b, "y.yml"), "utf8");
    expect(keyIds(x)).toEqual([keyOf(a)]);
    expect(keyIds(y)).toEqual([keyOf(b)]);
    onlyFiles(a, ["x.yml"]);
    onlyFiles(b, ["y.yml"]);
    // Each project's recipients read its file, and not the other's.
    const aliceX = await box.s5(["render", "x.yml"], { env: alice, cwd: a });
    expect(aliceX.stdout.toString()).toBe("x: for-a\n");
    const aliceY = await box.s5(["render", "y.yml"], { env: alice, cwd: b });
    expect(aliceY.code).toBe(7);
    const bobY = await box.s5(["render", "y.yml"], { env: bob, cwd: b });
    expect(bobY.stdout.toString()).toBe("y: for-b\n");
    const bobX = await box.s5(["render", "x.yml"], { env: bob, cwd: a });
    expect(bobX.code).toBe(7);
    // The locks of both projects were let go: a change of each goes through without a wait.
    for (const [env, cwd] of [
      [alice, a],
      [bob, b],
    ] as const) {
      const rotated = await box.s5(["keys", "rotate"], { env, cwd });
      expect(rotated.code, rotated.stderr).toBe(0);
      expect(rotated.stderr).not.toContain("waiting");
    }
  });

  it("to stdout: each file with its own project, in the order given", async () => {
    const { box, carol, a, b } = await monorepo();
    writeFileSync(join(a, "x.yml"), "x: {{ s5:seal for-a }}\n");
    writeFileSync(join(b, "y.yml"), "y: {{ s5:seal for-b }}\n");
    const printed = await box.s5(["seal", "apps/b/y.yml", "apps/a/x.yml"], { env: carol });
    expect(printed.code, printed.stderr).toBe(0);
    expect(keyIds(printed.stdout.toString())).toEqual([keyOf(b), keyOf(a)]);
    // The files themselves are as they were.
    expect(readFileSync(join(a, "x.yml"), "utf8")).toBe("x: {{ s5:seal for-a }}\n");
    onlyFiles(a, ["x.yml"]);
    onlyFiles(b, ["y.yml"]);
  });

  it("one file that fails, in either project: nothing is written anywhere, as for one project", async () => {
    const { box, carol, a, b } = await monorepo();
    const x = "x: {{ s5:seal for-a }}\n";
    const y = 'y: {{ s5:seal for-b }}\nempty: {{ s5:seal "" }}\n';
    writeFileSync(join(a, "x.yml"), x);
    writeFileSync(join(b, "y.yml"), y);
    const failed = await box.s5(["seal", "-i", "apps/a/x.yml", "apps/b/y.yml"], { env: carol });
    // The message and exit code of a one-project run with this file.
    const alone = await box.s5(["seal", "-i", "y.yml"], { env: carol, cwd: b });
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain("apps/b/y.yml:2:8");
    expect(failed.stderr).toContain("S5_VALUE_EMPTY");
    expect(failed.stderr.replaceAll("apps/b/", "")).toBe(alone.stderr);
    expect(alone.code).toBe(2);
    expect(readFileSync(join(a, "x.yml"), "utf8")).toBe(x);
    expect(readFileSync(join(b, "y.yml"), "utf8")).toBe(y);
    onlyFiles(a, ["x.yml"]);
    onlyFiles(b, ["y.yml"]);

    // A project with no key to seal with, named first: the other's file is not written either.
    const c = join(box.dir, "apps", "c");
    mkdirSync(c);
    writeFileSync(join(c, ".s5.json"), "{}\n");
    writeFileSync(join(c, "z.yml"), "z: {{ s5:seal for-c }}\n");
    const y2 = "y: {{ s5:seal for-b }}\n";
    writeFileSync(join(b, "y.yml"), y2);
    const none = await box.s5(["seal", "-i", "apps/b/y.yml", "apps/c/z.yml", "apps/a/x.yml"], {
      env: carol,
    });
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain("S5_CONFIG_NO_BACKEND");
    expect(readFileSync(join(b, "y.yml"), "utf8")).toBe(y2);
    expect(readFileSync(join(c, "z.yml"), "utf8")).toBe("z: {{ s5:seal for-c }}\n");
    expect(readFileSync(join(a, "x.yml"), "utf8")).toBe(x);
    onlyFiles(a, ["x.yml"]);
    onlyFiles(b, ["y.yml"]);
    onlyFiles(c, ["z.yml"]);
  });
});

describe("s5 k8s with a file of another project", () => {
  it("reads the Go tool's bare tokens with the backend of the file's own project", async () => {
    const box = sandbox();
    // The top's tokens are AES; the app's are Vault's (the Go tool's bare form of both).
    writeFileSync(join(box.dir, ".s5.json"), '{ "backend": "aes" }\n');
    const app = join(box.dir, "apps", "v");
    mkdirSync(app, { recursive: true });
    writeFileSync(join(app, ".s5.json"), '{ "backend": "vault" }\n');
    // A Vault ciphertext as the Go tool writes it: base64, without `vault:v1:`.
    const body = Buffer.from("a Vault ciphertext, 45 bytes long, in base64.").toString("base64");
    const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: "{{s5:${body}}}"\n`;
    writeFileSync(join(app, "secret.yml"), secret);
    const inside = await box.s5(["k8s", "wrap", "secret.yml"], { cwd: app });
    expect(inside.code, inside.stderr).toBe(0);
    // Before: S5_TOKEN_MALFORMED ("not the Go tool's AES format"), exit 5.
    const top = await box.s5(["k8s", "wrap", "apps/v/secret.yml"]);
    expect(top.stderr).toBe("");
    expect(top.code).toBe(0);
    expect(top.stdout.toString()).toBe(inside.stdout.toString());
    const unwrapped = await box.s5(["k8s", "unwrap", "-"], { input: top.stdout, cwd: app });
    expect(unwrapped.stdout.toString()).toContain(`{{ s5:vault:v1:${body} | yaml }}`);
    writeFileSync(join(app, "wrapped.yml"), top.stdout);
    const back = await box.s5(["k8s", "unwrap", "apps/v/wrapped.yml"]);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout.toString()).toBe(unwrapped.stdout.toString());
  });
});
