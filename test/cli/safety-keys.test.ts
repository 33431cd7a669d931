// Key material is never written to, or read from, a file that group or others can access.

import { spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { addProjectKey } from "@s5/core/internal";
import { describe, expect, it } from "vitest";
import { decodePublicKey } from "../../packages/core/src/local/encoding.ts";
import { createProjectKey, keyEndorsement } from "../../packages/core/src/local/keyring.ts";
import { loadSodium } from "../../packages/core/src/local/sodium.ts";
import { S5_BIN, sandbox } from "./run.ts";

const mode = (file: string) => statSync(file).mode & 0o777;

const readProject = (dir: string) => JSON.parse(readFileSync(join(dir, ".s5.json"), "utf8"));
const writeProject = (dir: string, config: unknown) =>
  writeFileSync(join(dir, ".s5.json"), JSON.stringify(config, null, 2));

/**
 * Mallory's pull request: a project key she made, sealed to Alice and to herself (valid proofs:
 * she holds it), appended to Alice's project — or, with `replace`, in place of all its keys.
 * Her environment, and the config as written.
 */
async function appendMallorysKey(alice: ReturnType<typeof sandbox>, replace = false) {
  const alicePublic = (await alice.s5(["keys", "show"])).stdout.toString().trim();
  const mallory = sandbox();
  const malloryKey = (await mallory.s5(["keys", "generate"])).stdout.toString().trim();
  const malloryEnv = { S5_PRIVATE_KEY: malloryKey, XDG_CONFIG_HOME: join(mallory.dir, "none") };
  const malloryPublic = (await mallory.s5(["keys", "show"], { env: malloryEnv })).stdout
    .toString()
    .trim();
  const config = readProject(alice.dir);
  if (replace) config.local.keys = [];
  await addProjectKey(config, [
    { name: "alice", publicKey: alicePublic },
    { name: "ci", publicKey: malloryPublic },
  ]);
  writeProject(alice.dir, config);
  return { malloryEnv, config };
}

/** A teammate with an identity of their own (made in a project of theirs), and its public key. */
async function teammate(name: string) {
  const box = sandbox();
  const publicKey = (await box.s5(["init", "--dir", box.dir, "--name", name])).stdout
    .toString()
    .trim();
  return { box, publicKey };
}

describe("identity and private key files", () => {
  it("s5 init never writes the secret key into an existing file others can read", async () => {
    const box = sandbox();
    const identity = join(box.dir, "..", "identity.txt");
    writeFileSync(identity, "");
    chmodSync(identity, 0o644);
    const env = { S5_IDENTITY_FILE: identity };

    const refused = await box.s5(["init"], { env });
    expect(refused.code).toBe(7);
    expect(refused.stderr).toContain("(mode 0644)");
    expect(refused.stderr).toContain(`chmod 600 ${identity}`);
    expect(readFileSync(identity, "utf8")).toBe("");

    chmodSync(identity, 0o600);
    const init = await box.s5(["init"], { env });
    expect(init.code).toBe(0);
    expect(init.stderr).toContain(`created your identity in ${identity} (mode 0600)`);
    expect(mode(identity)).toBe(0o600);
    expect(readFileSync(identity, "utf8")).toContain("S5-SECRET-KEY-");
  });

  it("refuses to read an identity or S5_PRIVATE_KEY_FILE that group or others can access", async () => {
    const box = sandbox();
    await box.s5(["init"]);
    const token = (await box.s5(["cipher", "key-file-secret"])).stdout.toString();
    writeFileSync(join(box.dir, "a.env"), `A=${token}\n`);
    const identity = join(box.env.XDG_CONFIG_HOME!, "s5", "identity.txt");

    chmodSync(identity, 0o640);
    const shared = await box.s5(["render", "a.env"]);
    expect(shared.code).toBe(7);
    expect(shared.stderr).toContain("S5_KEY_FILE_MODE");
    expect(shared.stderr).toContain(`chmod 600 ${identity}`);
    expect(shared.stdout.length).toBe(0);
    // Writable by group or others, unreadable by them: they could put their own key in it.
    for (const writable of [0o620, 0o602]) {
      chmodSync(identity, writable);
      const swappable = await box.s5(["render", "a.env"]);
      expect(swappable.code, writable.toString(8)).toBe(7);
      expect(swappable.stderr).toContain(`(mode 0${writable.toString(8)})`);
      expect(swappable.stdout.length).toBe(0);
    }

    const keyFile = join(box.dir, "..", "ci.key");
    writeFileSync(keyFile, readFileSync(identity));
    chmodSync(identity, 0o600);
    chmodSync(keyFile, 0o604);
    const env = { S5_PRIVATE_KEY_FILE: keyFile, XDG_CONFIG_HOME: "/nonexistent" };
    const refused = await box.s5(["render", "a.env"], { env });
    expect(refused.code).toBe(7);
    expect(refused.stderr).toContain(
      `the private key file ${keyFile} is accessible by group or others (mode 0604)`,
    );

    chmodSync(keyFile, 0o400);
    const ok = await box.s5(["render", "a.env"], { env });
    expect(ok.code).toBe(0);
    expect(ok.stdout.toString()).toBe("A=key-file-secret\n");
  });

  // The chart's local key: a Secret volume with `defaultMode: 0400` for a pod that runs as 65532
  // with `fsGroup: 65532`. The kubelet makes its files root's, in the fsGroup, and adds the
  // group's read bit (kubernetes/kubernetes#57923): 0440. Owning the file as another user takes
  // root here.
  it.runIf(process.getuid?.() === 0)(
    "reads a key file another user owns and shares with the group only (fsGroup), not with others",
    async () => {
      const box = sandbox();
      await box.s5(["init"]);
      const token = (await box.s5(["cipher", "fs-group-secret"])).stdout.toString();
      writeFileSync(join(box.dir, "a.env"), `A=${token}\n`);
      const identity = join(box.env.XDG_CONFIG_HOME!, "s5", "identity.txt");
      const keyFile = join(box.dir, "..", "mounted.key");
      writeFileSync(keyFile, readFileSync(identity));
      chownSync(keyFile, 65534, process.getgid!());
      const env = { S5_PRIVATE_KEY_FILE: keyFile, XDG_CONFIG_HOME: "/nonexistent" };
      chmodSync(keyFile, 0o440);
      const granted = await box.s5(["render", "a.env"], { env });
      expect(granted.stderr).toBe("");
      expect(granted.stdout.toString()).toBe("A=fs-group-secret\n");
      chmodSync(keyFile, 0o444);
      const world = await box.s5(["render", "a.env"], { env });
      expect(world.code).toBe(7);
      expect(world.stderr).toContain(
        `the private key file ${keyFile} is accessible by others (mode 0444); s5 will not use it (S5_KEY_FILE_MODE)`,
      );
      expect(world.stdout.length).toBe(0);
    },
  );
});

/** Whether a thread of `pid` waits in the kernel for a FIFO's other end (Linux's wait channel). */
function waitsOnFifo(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/task`).some(
      (task) => readFileSync(`/proc/${pid}/task/${task}/wchan`, "utf8") === "wait_for_partner",
    );
  } catch {
    return false;
  }
}

describe("the key file judged is the key file read", () => {
  // A FIFO's open waits for a writer: s5 is held between looking at the path and reading it, as
  // long as the test likes. The mode that counts is the one of what s5 opened, when it opened it.
  it.runIf(existsSync("/proc/self/task"))(
    "refuses a key FIFO whose mode was widened while s5 waited to open it",
    async () => {
      const box = sandbox();
      await box.s5(["init"]);
      const token = (await box.s5(["cipher", "fifo-key-secret"])).stdout.toString();
      writeFileSync(join(box.dir, "a.env"), `A=${token}\n`);
      const identity = join(box.env.XDG_CONFIG_HOME!, "s5", "identity.txt");
      const fifo = join(box.dir, "..", "key.fifo");
      expect(spawnSync("mkfifo", ["-m", "600", fifo]).status).toBe(0);
      const env = { S5_PRIVATE_KEY_FILE: fifo, XDG_CONFIG_HOME: "/nonexistent" };
      const child = spawn(process.execPath, [S5_BIN, "render", "a.env"], {
        cwd: box.dir,
        env: { ...box.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const code = new Promise<number | null>((resolve) => child.on("close", resolve));
      while (!waitsOnFifo(child.pid!)) await new Promise((resolve) => setTimeout(resolve, 10));
      chmodSync(fifo, 0o644);
      // The writer: s5's open returns, and it reads the key, unless it refuses what it opened
      // (and may close its end before this write: EPIPE, which says nothing either way).
      try {
        writeFileSync(fifo, readFileSync(identity));
      } catch (error) {
        if ((error as { code?: string }).code !== "EPIPE") throw error;
      }
      expect(await code).toBe(7);
      expect(stderr).toContain(
        `the private key file ${fifo} is accessible by group or others (mode 0644)`,
      );
      expect(stdout).toBe("");
    },
  );
});

describe("the client key judged is the client key read", () => {
  // As the identity above: Vault's TLS client key is refused as a key file is, and the mode that
  // counts is the one of what s5 opened. No Vault is needed: the key is read before any request
  // (the address below answers nothing, so a key that was taken fails otherwise, with exit 6).
  it.runIf(existsSync("/proc/self/task"))(
    "refuses a VAULT_CLIENT_KEY FIFO whose mode was widened while s5 waited to open it",
    async () => {
      const box = sandbox();
      const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
      const fifo = join(box.dir, "..", "client.key");
      expect(spawnSync("mkfifo", ["-m", "600", fifo]).status).toBe(0);
      const env = {
        VAULT_ADDR: "http://127.0.0.1:1",
        VAULT_TOKEN: "s.not-a-real-token",
        VAULT_MAX_RETRIES: "0",
        VAULT_CLIENT_KEY: fifo,
      };
      const child = spawn(process.execPath, [S5_BIN, "cipher", "vault", "v"], {
        cwd: box.dir,
        env: { ...box.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const code = new Promise<number | null>((resolve) => child.on("close", resolve));
      while (!waitsOnFifo(child.pid!)) await new Promise((resolve) => setTimeout(resolve, 10));
      chmodSync(fifo, 0o644);
      try {
        writeFileSync(fifo, pem);
      } catch (error) {
        if ((error as { code?: string }).code !== "EPIPE") throw error;
      }
      expect(await code, stderr).toBe(7);
      expect(stderr).toContain(
        `the client key file ${fifo} is accessible by group or others (mode 0644); s5 will not use it (S5_KEY_FILE_MODE)`,
      );
      expect(stderr).not.toContain(pem.split("\n")[1]!.slice(0, 20));
      expect(stdout).toBe("");
    },
  );
});

describe("key sources named in their errors", () => {
  it("a key that is not one names its file or variable, never its content", async () => {
    const box = sandbox();
    await box.s5(["init"]);
    const token = (await box.s5(["cipher", "source-secret"])).stdout.toString();
    writeFileSync(join(box.dir, "a.env"), `A=${token}\n`);
    const identity = join(box.env.XDG_CONFIG_HOME!, "s5", "identity.txt");
    const good = readFileSync(identity, "utf8");
    const damaged = good.replace(/S5-SECRET-KEY-([A-Za-z0-9_-]{5})/, "S5-SECRET-KEY-Zz$1");
    const content = /S5-SECRET-KEY-\S+/.exec(damaged)![0].slice(14, 30);
    expect(damaged).not.toBe(good);
    const keyFile = join(box.dir, "..", "ci.key");
    writeFileSync(keyFile, "S5-SECRET-KEY-notAKeyAtAll\n", { mode: 0o600 });
    const nowhere = join(box.dir, "..", "nowhere");
    const cases: [Record<string, string>, string][] = [
      [
        { S5_PRIVATE_KEY: "S5-SECRET-KEY-notAKeyAtAll", XDG_CONFIG_HOME: nowhere },
        "S5_PRIVATE_KEY holds",
      ],
      [
        { S5_PRIVATE_KEY_FILE: keyFile, XDG_CONFIG_HOME: nowhere },
        `the private key file ${keyFile} holds`,
      ],
    ];
    for (const [env, named] of cases) {
      const result = await box.s5(["render", "a.env"], { env });
      expect(result.code, named).toBe(7);
      expect(result.stderr).toContain(`${named} something that is not a valid s5 secret key`);
      expect(result.stderr).toContain("(S5_KEY_FORMAT)");
      expect(result.stderr).not.toContain("notAKeyAtAll");
    }
    writeFileSync(identity, damaged);
    for (const args of [["render", "a.env"], ["init"]]) {
      const result = await box.s5(args);
      expect(result.code, args[0]).toBe(7);
      expect(result.stderr).toContain(
        `the identity file ${identity} holds something that is not a valid s5 secret key (line 4)`,
      );
      expect(result.stderr).not.toContain(content);
    }
    expect(readFileSync(identity, "utf8")).toBe(damaged);
  });

  it("a directory named as a key file, identity or known-keys record says so, not `chmod 600`", async () => {
    const box = sandbox();
    await box.s5(["init"]);
    const token = (await box.s5(["cipher", "dir-secret"])).stdout.toString();
    writeFileSync(join(box.dir, "a.env"), `A=${token}\n`);
    const privateDir = join(box.dir, "..", "private-dir");
    mkdirSync(privateDir, { mode: 0o700 });
    const identityDir = join(box.dir, "..", "identity-dir");
    mkdirSync(identityDir, { mode: 0o755 });
    const cases: [string[], Record<string, string>, string][] = [
      [
        ["render", "a.env"],
        { S5_PRIVATE_KEY_FILE: "/tmp" },
        "the private key file /tmp is a directory: point S5_PRIVATE_KEY_FILE (or --private-key-file) at the key file (S5_KEY_FILE)",
      ],
      [
        ["render", "a.env"],
        { S5_PRIVATE_KEY_FILE: privateDir },
        `the private key file ${privateDir} is a directory: point S5_PRIVATE_KEY_FILE`,
      ],
      [
        ["render", "a.env"],
        { S5_IDENTITY_FILE: identityDir },
        `the identity file ${identityDir} is a directory: point S5_IDENTITY_FILE at the key file (S5_KEY_FILE)`,
      ],
      [
        ["init"],
        { S5_IDENTITY_FILE: identityDir },
        `the identity file ${identityDir} is a directory: point S5_IDENTITY_FILE`,
      ],
      [
        ["cipher", "x"],
        { S5_KNOWN_KEYS_FILE: "/tmp" },
        "/tmp (where this machine keeps the project keys it trusts) is a directory: point S5_KNOWN_KEYS_FILE at a file (S5_KEY_KNOWN_FILE)",
      ],
    ];
    for (const [args, env, message] of cases) {
      const result = await box.s5(args, { env });
      expect(result.code, message).toBe(7);
      expect(result.stderr).toContain(message);
      expect(result.stderr).toContain("hint: ");
      expect(result.stderr).not.toContain("chmod");
      expect(result.stdout.length).toBe(0);
    }
  });
});

describe("project key integrity", () => {
  it("a publicKey swapped under the same id is refused by cipher, seal, edit and render", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    const token = (await alice.s5(["cipher", "before-swap"])).stdout.toString();
    writeFileSync(join(alice.dir, "a.yml"), `a: ${token}\nb: {{ s5:seal new-secret }}\n`);
    const attacker = sandbox();
    await attacker.s5(["init", "--name", "mallory"]);
    const evil = readProject(attacker.dir).local.keys[0];

    const config = readProject(alice.dir);
    config.local.keys[0].publicKey = evil.publicKey;
    writeProject(alice.dir, config);
    for (const args of [
      ["cipher", "new-secret"],
      ["seal", "a.yml"],
      ["render", "a.yml"],
    ]) {
      const result = await alice.s5(args);
      expect(result.code, args.join(" ")).toBe(7);
      expect(result.stderr).toContain("S5_KEY_LOCAL_MISMATCH");
      expect(result.stderr).toContain("its publicKey is not the one its id was made from");
      expect(result.stdout.length).toBe(0);
    }
    const edit = await alice.s5(["edit", "a.yml"], { env: { EDITOR: "true" } });
    expect(edit.code).toBe(7);
  });

  it("an id and publicKey both swapped (recipients kept) are caught when the key is unlocked", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    const attacker = sandbox();
    await attacker.s5(["init", "--name", "mallory"]);
    const evil = readProject(attacker.dir).local.keys[0];
    const config = readProject(alice.dir);
    config.local.keys[0].id = evil.id;
    config.local.keys[0].publicKey = evil.publicKey;
    writeProject(alice.dir, config);
    const result = await alice.s5(["cipher", "new-secret"]);
    expect(result.code).toBe(7);
    expect(result.stderr).toContain("the key sealed for you does not match its publicKey");
    expect(result.stdout.length).toBe(0);
  });

  it("keys rotate needs access and gives the new key only to recipients a key holder added", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    // Mallory never had access; in a pull request she adds an entry by hand: her own public key
    // and 107 characters that look like a sealed key.
    const mallory = sandbox();
    const malloryKey = (await mallory.s5(["keys", "generate"])).stdout.toString().trim();
    const mallorySecret = {
      S5_PRIVATE_KEY: malloryKey,
      XDG_CONFIG_HOME: join(mallory.dir, "none"),
    };
    const malloryPublic = (await mallory.s5(["keys", "show"], { env: mallorySecret })).stdout
      .toString()
      .trim();
    const config = readProject(alice.dir);
    config.local.keys[0].recipients.push({
      name: "ci-staging",
      publicKey: malloryPublic,
      sealedKey: "A".repeat(107),
    });
    writeProject(alice.dir, config);
    const list = await alice.s5(["keys", "list"]);
    expect(list.stdout.toString()).toMatch(
      / {2}ci-staging {2}s5pk-\S+ {2}UNPROVEN: not added by a key holder\n/,
    );
    expect(list.stdout.toString()).toMatch(/ {2}alice {2}s5pk-\S+\n/);
    const before = readFileSync(join(alice.dir, ".s5.json"), "utf8");
    const rotate = await alice.s5(["keys", "rotate"]);
    expect(rotate.code).toBe(7);
    expect(rotate.stderr).toContain("without a proof that a key holder added them: ci-staging");
    expect(rotate.stderr).toContain("S5_KEY_LOCAL_UNPROVEN");
    expect(readFileSync(join(alice.dir, ".s5.json"), "utf8")).toBe(before);
    // Without access to the current key, no rotation at all.
    const outsider = await alice.s5(["keys", "rotate"], {
      env: { XDG_CONFIG_HOME: join(alice.dir, "none") },
    });
    expect(outsider.code).toBe(7);
    expect(readFileSync(join(alice.dir, ".s5.json"), "utf8")).toBe(before);
    // Removed (or added again by a key holder), the rotation goes ahead; Mallory gets nothing.
    expect((await alice.s5(["keys", "remove", "ci-staging"])).code).toBe(0);
    expect((await alice.s5(["keys", "rotate"])).code).toBe(0);
    const token = (await alice.s5(["cipher", "new-db-password"])).stdout.toString();
    const stolen = await alice.s5(["decipher", token], { env: mallorySecret });
    expect(stolen.code).toBe(7);
    expect(stolen.stdout.length).toBe(0);
    expect((await alice.s5(["decipher", token])).stdout.toString()).toBe("new-db-password");
  });

  it("a project key appended by someone without access is refused for encrypting", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    const before = (await alice.s5(["cipher", "before"])).stdout.toString();
    // Mallory's pull request appends a key she made, sealed to Alice and to herself, with valid
    // proofs (she holds that key): every recipient entry checks, the key itself does not.
    const { config } = await appendMallorysKey(alice);
    const cipher = await alice.s5(["cipher", "new-db-password"]);
    expect(cipher.code).toBe(7);
    expect(cipher.stderr).toContain("S5_KEY_LOCAL_UNENDORSED");
    // Endorsing it, as the message offers for keys of old rotations, is refused: it adds a
    // recipient (Mallory's "ci") the key before it does not have.
    const appended = config.local.keys[1].id;
    const endorse = await alice.s5(["keys", "endorse", "--", appended]);
    expect(endorse.code).toBe(7);
    expect(endorse.stderr).toContain(`local key ${appended} has recipients that local key`);
    expect(endorse.stderr).toContain("does not: ci");
    expect(cipher.stdout.length).toBe(0);
    expect((await alice.s5(["keys", "list"])).stdout.toString()).toMatch(
      /UNENDORSED: not made by a holder/,
    );
    expect((await alice.s5(["keys", "rotate"])).code).toBe(7);
    // Old tokens still decrypt; a real rotation is endorsed, and encrypting with it works.
    expect((await alice.s5(["decipher", before])).stdout.toString()).toBe("before");
    config.local.keys.pop();
    writeProject(alice.dir, config);
    expect((await alice.s5(["keys", "rotate"])).code).toBe(0);
    expect(readProject(alice.dir).local.keys[1].endorsement).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const after = (await alice.s5(["cipher", "after"])).stdout.toString();
    expect((await alice.s5(["decipher", after])).stdout.toString()).toBe("after");
    // A key from a rotation before endorsements: confirmed by a holder of the key before it.
    const legacy = readProject(alice.dir);
    delete legacy.local.keys[1].endorsement;
    writeProject(alice.dir, legacy);
    expect((await alice.s5(["cipher", "x"])).code).toBe(7);
    expect((await alice.s5(["keys", "endorse"])).code).toBe(2);
    const endorsed = await alice.s5(["keys", "endorse", "--", legacy.local.keys[1].id]);
    expect(endorsed.code).toBe(0);
    expect(endorsed.stderr).toContain(`endorsed local key ${legacy.local.keys[1].id} (s5pk-`);
    expect((await alice.s5(["cipher", "x"])).code).toBe(0);
  });

  it("an appended key with the victim's own entry spoiled on the key before it is refused (tampered)", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    expect((await alice.s5(["keys", "rotate"])).code).toBe(0);
    const mallory = sandbox();
    await mallory.s5(["init", "--name", "mallory"]);
    // Mallory appends her own key (a made-up endorsement) and changes one character of Alice's
    // sealed key on the key before it, so that Alice cannot open it to check the link.
    const config = readProject(alice.dir);
    const evil = readProject(mallory.dir).local.keys[0];
    evil.endorsement = "A".repeat(43);
    config.local.keys.push(evil);
    const entry = config.local.keys[1].recipients[0];
    const flip = (text: string) =>
      `${text.slice(0, 8)}${text[8] === "A" ? "B" : "A"}${text.slice(9)}`;
    // Her sealed key spoiled, or her public key (so that she looks like a stranger to that key).
    for (const field of ["sealedKey", "publicKey"] as const) {
      const spoiled = structuredClone(config);
      spoiled.local.keys[1].recipients[0][field] = flip(entry[field]);
      writeProject(alice.dir, spoiled);
      const cipher = await alice.s5(["cipher", "new-db-password"]);
      expect(cipher.code, field).toBe(7);
      expect(cipher.stderr).toContain("S5_KEY_LOCAL_TAMPERED");
      // A key comes after the spoiled one: its link is what cannot be checked.
      expect(cipher.stderr).toContain(
        `local key ${config.local.keys[1].id}, but the key sealed to you there does not open: the project config was altered, so the keys after it cannot be checked`,
      );
      expect(cipher.stdout.length).toBe(0);
      expect((await alice.s5(["keys", "rotate"])).code).toBe(7);
      expect((await alice.s5(["keys", "list"])).stdout.toString()).toMatch(
        /TAMPERED: you are listed/,
      );
    }
  });

  it("a rotation on a machine with no record refuses a key appended after your spoiled entry (tampered)", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    // Mallory appends a key sealed to Alice and to herself (valid proofs: she holds it), and
    // spoils Alice's sealed key on the key before it, so that the link between them goes unchecked.
    const { config } = await appendMallorysKey(alice);
    const entry = config.local.keys[0].recipients[0];
    entry.sealedKey = `${entry.sealedKey.slice(0, 8)}${entry.sealedKey[8] === "A" ? "B" : "A"}${entry.sealedKey.slice(9)}`;
    writeProject(alice.dir, config);
    const before = readFileSync(join(alice.dir, ".s5.json"), "utf8");
    // A fresh home (CI, a new laptop): no record of known keys to fall back on.
    const fresh = { S5_KNOWN_KEYS_FILE: join(alice.dir, "..", "fresh-known.json") };
    const rotate = await alice.s5(["keys", "rotate"], { env: fresh });
    expect(rotate.code).toBe(7);
    expect(rotate.stderr).toContain("S5_KEY_LOCAL_TAMPERED");
    expect(readFileSync(join(alice.dir, ".s5.json"), "utf8")).toBe(before);
  });

  it("your own sealed key altered on the key that encrypts: tampered for render, cipher and rotate", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    const token = (await alice.s5(["cipher", "before-tamper"])).stdout.toString();
    writeFileSync(join(alice.dir, "secret.yml"), `a: ${token}\n`);
    const config = readProject(alice.dir);
    const entry = config.local.keys[0].recipients[0];
    const flip = (c: string) => (c === "A" ? "B" : "A");
    const at = 10;
    entry.sealedKey = `${entry.sealedKey.slice(0, at)}${flip(entry.sealedKey[at])}${flip(entry.sealedKey[at + 1])}${entry.sealedKey.slice(at + 2)}`;
    writeProject(alice.dir, config);
    for (const args of [
      ["render", "secret.yml"],
      ["cipher", "new-db-password"],
      ["keys", "rotate"],
    ]) {
      const result = await alice.s5(args);
      expect(result.code, args.join(" ")).toBe(7);
      expect(result.stderr, args.join(" ")).toContain("S5_KEY_LOCAL_TAMPERED");
      expect(result.stderr).toContain("restore your entry");
      // The newest key: no key comes after it to be left unchecked.
      expect(result.stderr, args.join(" ")).toContain(
        "the project config was altered (on the key that encrypts: s5 will not encrypt with it here until your entry is restored)",
      );
      expect(result.stderr).not.toContain("keys after it");
      expect(result.stderr).not.toContain("S5_KEY_LOCAL_NOT_RECIPIENT");
      expect(result.stdout.length).toBe(0);
    }
    expect(readProject(alice.dir).local.keys).toHaveLength(1);
    // A check fails on it too: the project config was altered, not merely no key here.
    const check = await alice.s5(["check", "secret.yml"]);
    expect(check.code).toBe(10);
    expect(check.stdout.toString()).toContain("(S5_KEY_LOCAL_TAMPERED)");
    expect(check.stderr).toContain("1 token(s) (0 decrypted): 1 problem(s)");
  });

  it("two appended keys, the second endorsed by the first, are refused too: every link is checked", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    // Mallory appends a key sealed to both, then rotates from it herself: the newest key carries
    // a valid endorsement by the key before it, which Alice can open.
    const { malloryEnv } = await appendMallorysKey(alice);
    expect((await alice.s5(["keys", "rotate"], { env: malloryEnv })).code).toBe(0);
    expect(readProject(alice.dir).local.keys).toHaveLength(3);
    const cipher = await alice.s5(["cipher", "new-db-password"]);
    expect(cipher.code).toBe(7);
    expect(cipher.stderr).toContain("S5_KEY_LOCAL_UNENDORSED");
    expect(cipher.stdout.length).toBe(0);
    const seal = await alice.s5(["keys", "rotate"]);
    expect(seal.code).toBe(7);
    expect(seal.stderr).toContain("S5_KEY_LOCAL_UNENDORSED");
  });

  // Only root can make a file another user owns (the attack needs one).
  it.runIf(process.getuid?.() === 0)(
    "an .s5.json another user planted above the working directory is refused",
    async () => {
      const alice = sandbox();
      await alice.s5(["init", "--name", "alice"]);
      // A /tmp-like directory: anyone may create files in it. Mallory puts her project file there.
      const shared = join(alice.dir, "..", "shared");
      mkdirSync(shared);
      chmodSync(shared, 0o1777);
      const mallory = sandbox();
      await mallory.s5(["init", "--name", "mallory"]);
      const planted = join(shared, ".s5.json");
      writeFileSync(planted, readFileSync(join(mallory.dir, ".s5.json")));
      chownSync(planted, 65534, 65534);
      const work = join(shared, "alice-work");
      mkdirSync(work);
      const cipher = await alice.s5(["cipher", "victim-db-password"], { cwd: work });
      expect(cipher.code).toBe(12);
      expect(cipher.stderr).toContain(`${planted} belongs to another user (uid 65534)`);
      expect(cipher.stderr).toContain("S5_CONFIG_UNSAFE");
      expect(cipher.stdout.length).toBe(0);
      // Named explicitly, it is trusted; one in a directory only its owner can change is used.
      expect(
        (
          await alice.s5(["cipher", "--config", planted, "x"], {
            cwd: work,
            env: { S5_BACKEND: "local" },
          })
        ).code,
      ).toBe(0);
      const owned = join(alice.dir, "..", "service");
      mkdirSync(owned, { mode: 0o755 });
      writeFileSync(join(owned, ".s5.json"), readFileSync(join(alice.dir, ".s5.json")));
      chownSync(join(owned, ".s5.json"), 65534, 65534);
      chownSync(owned, 65534, 65534);
      expect((await alice.s5(["cipher", "x"], { cwd: owned })).code).toBe(0);
    },
  );

  it("a key list replaced outright is refused where the old key was known; keys trust accepts it", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    const known = join(alice.env.XDG_CONFIG_HOME!, "s5", "known-keys.json");
    expect(mode(known)).toBe(0o600);
    const oldKey = readProject(alice.dir).local.keys[0];
    // Every key replaced by Mallory's, sealed to Alice too: everything Alice can open still opens,
    // and no key is left whose endorsement could be checked.
    const { config } = await appendMallorysKey(alice, true);
    const newKey = config.local.keys[0];
    writeFileSync(join(alice.dir, "a.yml"), "b: {{ s5:seal new-secret }}\n");
    for (const args of [
      ["cipher", "new-db-password"],
      ["seal", "a.yml"],
    ]) {
      const refused = await alice.s5(args);
      expect(refused.code, args.join(" ")).toBe(7);
      expect(refused.stderr).toContain("S5_KEY_LOCAL_UNTRUSTED");
      expect(refused.stderr).toContain(`local key ${newKey.id} encrypts in`);
      expect(refused.stderr).toContain(
        "the key this machine last encrypted to here is no longer listed",
      );
      expect(refused.stderr).toContain("s5 keys trust");
      expect(refused.stdout.length).toBe(0);
    }
    expect(readFileSync(join(alice.dir, "a.yml"), "utf8")).toBe("b: {{ s5:seal new-secret }}\n");
    // Another machine (another home) that never encrypted here trusts what it finds: the first use.
    const fresh = await alice.s5(["cipher", "x"], {
      env: { S5_KNOWN_KEYS_FILE: join(alice.dir, "..", "other-known.json") },
    });
    expect(fresh.code).toBe(0);
    // Checked with the team, Alice accepts the keys listed now.
    const trust = await alice.s5(["keys", "trust"]);
    expect(trust.code).toBe(0);
    expect(trust.stderr).toContain(`now encrypts to local key ${newKey.id}`);
    const token = (await alice.s5(["cipher", "after-trust"])).stdout.toString();
    expect(token).toContain(`local:${newKey.id}:`);
    expect(JSON.parse(readFileSync(known, "utf8")).projects).toEqual({
      [realpathSync(join(alice.dir, ".s5.json"))]: [oldKey.publicKey, newKey.publicKey],
    });
  });

  it("a known key listed again under Mallory's id cannot vouch for her key", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    expect((await alice.s5(["cipher", "x"])).code).toBe(0);
    const alicePublic = (await alice.s5(["keys", "show"])).stdout.toString().trim();
    const config = readProject(alice.dir);
    const old = config.local.keys[0];
    // Her key, sealed to Alice; then Alice's known public key under Mallory's id, "endorsed" by
    // Mallory's key; then her key again, endorsed by itself. Found by id, every link would open
    // as Mallory's key and check.
    const sodium = await loadSodium();
    const { key: mine, pair } = createProjectKey(sodium, [
      { name: "alice", publicKey: alicePublic },
    ]);
    const endorsedBy = (publicKey: string) =>
      keyEndorsement(sodium, pair, decodePublicKey(publicKey));
    const lists = {
      "known key under her id": [
        mine,
        { ...old, id: mine.id, endorsement: endorsedBy(old.publicKey) },
        { ...mine, endorsement: endorsedBy(mine.publicKey) },
      ],
      "her key listed twice": [old, { ...mine, endorsement: "A".repeat(43) }, mine],
    };
    for (const [name, keys] of Object.entries(lists)) {
      writeProject(alice.dir, { ...config, local: { keys } });
      const refused = await alice.s5(["cipher", "new-db-password"]);
      expect(refused.code, name).toBe(7);
      expect(refused.stderr).toContain("S5_KEY_LOCAL_MISMATCH");
      expect(refused.stdout.length).toBe(0);
      // A rotation checks the whole list too, also on a machine with no record of known keys.
      const fresh = join(alice.dir, "..", `fresh-${name.replaceAll(" ", "-")}.json`);
      const rotate = await alice.s5(["keys", "rotate"], { env: { S5_KNOWN_KEYS_FILE: fresh } });
      expect(rotate.code, name).toBe(7);
      expect(rotate.stderr).toContain("S5_KEY_LOCAL_MISMATCH");
      expect(readProject(alice.dir).local.keys).toHaveLength(3);
    }
    const known = JSON.parse(
      readFileSync(join(alice.env.XDG_CONFIG_HOME!, "s5", "known-keys.json"), "utf8"),
    );
    expect(Object.values(known.projects).flat()).not.toContain(mine.publicKey);
  });

  it("a .s5.json made a link, or added inside or around a known project, is not a first use", async () => {
    const alice = sandbox();
    spawnSync("git", ["init", "-q"], { cwd: alice.dir });
    await alice.s5(["init", "--name", "alice"]);
    const trusted = readFileSync(join(alice.dir, ".s5.json"), "utf8");
    const { config: other } = await appendMallorysKey(alice, true);
    // Mallory's list at config/s5.json, and .s5.json a link to it: a new real path, the same
    // project as found.
    mkdirSync(join(alice.dir, "config"));
    writeFileSync(join(alice.dir, "config", "s5.json"), JSON.stringify(other, null, 2));
    rmSync(join(alice.dir, ".s5.json"));
    symlinkSync("config/s5.json", join(alice.dir, ".s5.json"));
    const linked = await alice.s5(["cipher", "x"]);
    expect(linked.code).toBe(7);
    expect(linked.stderr).toContain("S5_KEY_LOCAL_UNTRUSTED");
    expect(linked.stdout.length).toBe(0);
    rmSync(join(alice.dir, ".s5.json"));
    writeFileSync(join(alice.dir, ".s5.json"), trusted);
    // A project added under the known one, by the same change.
    mkdirSync(join(alice.dir, "deploy"));
    writeProject(join(alice.dir, "deploy"), other);
    writeFileSync(join(alice.dir, "deploy", "values.yml"), "pw: {{ s5:seal hunter2 }}\n");
    const nested = await alice.s5(["seal", "values.yml"], { cwd: join(alice.dir, "deploy") });
    expect(nested.code).toBe(7);
    expect(nested.stderr).toContain("this machine has never encrypted in this project");
    expect(nested.stderr).toContain(
      `knows the project of ${realpathSync(alice.dir)}/.s5.json in the same git repository`,
    );
    expect(readFileSync(join(alice.dir, "deploy", "values.yml"), "utf8")).toBe(
      "pw: {{ s5:seal hunter2 }}\n",
    );
    // Trusted there on purpose, it encrypts.
    expect((await alice.s5(["keys", "trust"], { cwd: join(alice.dir, "deploy") })).code).toBe(0);
    expect((await alice.s5(["seal", "values.yml"], { cwd: join(alice.dir, "deploy") })).code).toBe(
      0,
    );
    // Outside any git work tree (a project in your home), a project below is a first use.
    const home = sandbox();
    await home.s5(["init", "--name", "me"]);
    mkdirSync(join(home.dir, "code"));
    await home.s5(["init", "--name", "me", "--dir", "code"]);
    expect((await home.s5(["cipher", "x"], { cwd: join(home.dir, "code") })).code).toBe(0);
    // Outside git too, a .s5.json made a link to a list that replaced every key is no first use:
    // the path it is found at is known (no key in common, no repository to compare).
    const plain = sandbox();
    await plain.s5(["init", "--name", "alice"]);
    const { config: replaced } = await appendMallorysKey(plain, true);
    mkdirSync(join(plain.dir, "config"));
    writeFileSync(join(plain.dir, "config", "s5.json"), JSON.stringify(replaced, null, 2));
    rmSync(join(plain.dir, ".s5.json"));
    symlinkSync("config/s5.json", join(plain.dir, ".s5.json"));
    const relinked = await plain.s5(["cipher", "x"]);
    expect(relinked.code).toBe(7);
    expect(relinked.stderr).toContain("S5_KEY_LOCAL_UNTRUSTED");
    expect(relinked.stdout.length).toBe(0);
  });

  it("a key list put back from before a rotation is refused: the retired key stays retired", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    expect((await alice.s5(["cipher", "x"])).code).toBe(0);
    const beforeRotation = readFileSync(join(alice.dir, ".s5.json"), "utf8");
    expect((await alice.s5(["keys", "rotate"])).code).toBe(0);
    expect((await alice.s5(["cipher", "x"])).code).toBe(0);
    const [first, second] = readProject(alice.dir).local.keys;
    // The old file put back whole, or the keys reordered with Alice's entry gone from the new one.
    const reordered = readProject(alice.dir);
    reordered.local.keys = [{ ...second, recipients: [] }, first];
    for (const text of [beforeRotation, JSON.stringify(reordered, null, 2)]) {
      writeFileSync(join(alice.dir, ".s5.json"), text);
      const refused = await alice.s5(["cipher", "to-the-retired-key"]);
      expect(refused.code).toBe(7);
      expect(refused.stderr).toContain(
        "(it is older than the key this machine last encrypted to here",
      );
      expect(refused.stderr).toContain(": a key list from before a rotation)");
      expect(refused.stdout.length).toBe(0);
    }
  });

  it("keys trust names one key: a key planted earlier in the list never becomes one to encrypt to", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    // Carol encrypts and is no recipient: she cannot check rotations.
    const carol = sandbox();
    const carolRun = (args: string[]) => carol.s5(args, { cwd: alice.dir });
    expect((await carolRun(["cipher", "c1"])).code).toBe(0);
    // Mallory plants her key first in the list (sealed to herself only): nothing encrypts to it.
    await appendMallorysKey(alice);
    const planted = readProject(alice.dir);
    const mallorys = planted.local.keys.pop();
    mallorys.recipients = mallorys.recipients.filter((r: { name: string }) => r.name === "ci");
    planted.local.keys.unshift(mallorys);
    writeProject(alice.dir, planted);
    expect((await carolRun(["cipher", "c2"])).code).toBe(0);
    // Alice rotates (her rotation checks the links she can open); Carol trusts the new key by id.
    expect((await alice.s5(["keys", "rotate"])).code).toBe(0);
    const rotated = readProject(alice.dir).local.keys.at(-1);
    expect((await carolRun(["cipher", "c3"])).code).toBe(7);
    expect((await carolRun(["keys", "trust", "--", mallorys.id])).code).toBe(7);
    expect((await carolRun(["keys", "trust", "--", rotated.id])).code).toBe(0);
    // Then Mallory moves her key to the end: refused, for Carol as for Alice.
    const moved = readProject(alice.dir);
    moved.local.keys.push(moved.local.keys.shift());
    writeProject(alice.dir, moved);
    for (const run of [carolRun, (args: string[]) => alice.s5(args)]) {
      const refused = await run(["cipher", "c4"]);
      expect(refused.code).toBe(7);
      expect(refused.stdout.length).toBe(0);
    }
  });

  it("a worktree or submodule of a branch that replaced every key is no first use", async () => {
    const alice = sandbox();
    const git = (args: string[], cwd = alice.dir) =>
      spawnSync("git", ["-c", "user.name=a", "-c", "user.email=a@b", ...args], { cwd });
    git(["init", "-q"]);
    await alice.s5(["init", "--name", "alice"]);
    git(["add", ".s5.json"]);
    git(["commit", "-qm", "keys"]);
    const { config: mallorys } = await appendMallorysKey(alice, true);
    git(["checkout", "-q", "--", ".s5.json"]);
    // A worktree of her branch: only her keys, at a path this machine has never seen.
    const worktree = join(alice.dir, "..", "worktree");
    expect(git(["worktree", "add", "-q", worktree]).status).toBe(0);
    writeProject(worktree, mallorys);
    // A submodule of hers (its git directory under the superproject's .git/modules).
    const submodule = join(alice.dir, "deploy");
    mkdirSync(join(alice.dir, ".git", "modules"));
    expect(
      git([
        "init",
        "-q",
        `--separate-git-dir=${join(alice.dir, ".git", "modules", "deploy")}`,
        submodule,
      ]).status,
    ).toBe(0);
    writeProject(submodule, mallorys);
    for (const cwd of [worktree, submodule]) {
      const refused = await alice.s5(["cipher", "to-mallory"], { cwd });
      expect(refused.code, cwd).toBe(7);
      expect(refused.stderr).toContain(
        `knows the project of ${realpathSync(alice.dir)}/.s5.json in the same git repository`,
      );
      expect(refused.stdout.length).toBe(0);
    }
  });

  it("a machine learns a teammate's rotation from its tokens, before a fork from the old key", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    const { box: bob, publicKey: bobPublic } = await teammate("bob");
    const { box: mallory, publicKey: malloryPublic } = await teammate("m");
    expect((await alice.s5(["keys", "add", "bob", bobPublic])).code).toBe(0);
    expect((await alice.s5(["keys", "add", "mallory", malloryPublic])).code).toBe(0);
    expect((await bob.s5(["cipher", "before"], { cwd: alice.dir })).code).toBe(0);
    const beforeRotation = readProject(alice.dir);
    // Alice removes Mallory and rotates; Bob only renders a token of the new key.
    expect((await alice.s5(["keys", "remove", "mallory"])).code).toBe(0);
    expect((await alice.s5(["keys", "rotate"])).code).toBe(0);
    const token = (await alice.s5(["cipher", "after-rotation"])).stdout.toString();
    writeFileSync(join(alice.dir, "a.yml"), `a: ${token}\n`);
    const render = await bob.s5(["render", "a.yml"], { cwd: alice.dir });
    expect(render.stdout.toString()).toBe("a: after-rotation\n");
    const rotated = readProject(alice.dir).local.keys.at(-1);
    expect(render.stderr).toContain(`local key ${rotated.id} now encrypts in`);
    // Mallory kept the old key: her fork of a rotation from it reaches Bob's machine.
    writeProject(alice.dir, beforeRotation);
    expect((await mallory.s5(["keys", "rotate"], { cwd: alice.dir })).code).toBe(0);
    const refused = await bob.s5(["cipher", "to-mallory"], { cwd: alice.dir });
    expect(refused.code).toBe(7);
    expect(refused.stderr).toContain("is no longer listed");
    expect(refused.stdout.length).toBe(0);
  });

  it("every entry that lists one of the keys must agree, a stale clone's too", async () => {
    // Alice's first clone (since deleted) knew K1 only; her main clone knows the rotation to K2.
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    const { box: mallory, publicKey: malloryPublic } = await teammate("m");
    expect((await alice.s5(["keys", "add", "mallory", malloryPublic])).code).toBe(0);
    const main = join(alice.dir, "..", "main");
    mkdirSync(main);
    writeFileSync(join(main, ".s5.json"), readFileSync(join(alice.dir, ".s5.json")));
    const beforeRotation = readProject(main);
    expect((await alice.s5(["cipher", "x"], { cwd: main })).code).toBe(0);
    rmSync(join(alice.dir, ".s5.json"));
    expect((await alice.s5(["keys", "remove", "mallory"], { cwd: main })).code).toBe(0);
    expect((await alice.s5(["keys", "rotate"], { cwd: main })).code).toBe(0);
    // Mallory, removed, kept K1: she forks a rotation of her own from it, in a new worktree.
    const fork = join(alice.dir, "..", "fork");
    mkdirSync(fork);
    writeProject(fork, beforeRotation);
    expect((await mallory.s5(["keys", "rotate"], { cwd: fork })).code).toBe(0);
    const refused = await alice.s5(["cipher", "to-mallory"], { cwd: fork });
    expect(refused.code).toBe(7);
    expect(refused.stderr).toContain("S5_KEY_LOCAL_UNTRUSTED");
    expect(refused.stdout.length).toBe(0);
  });

  it("S5_TRUSTED_KEY pins the key a fresh home (CI) may encrypt to, and follows checked rotations", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    const ci = (await alice.s5(["keys", "generate"])).stdout.toString().trim();
    const ciPublic = (
      await alice.s5(["keys", "show"], { env: { S5_PRIVATE_KEY: ci, XDG_CONFIG_HOME: "/none" } })
    ).stdout
      .toString()
      .trim();
    expect((await alice.s5(["keys", "add", "ci", ciPublic])).code).toBe(0);
    const pinned = readProject(alice.dir).local.keys[0].publicKey;
    // Each CI job: a fresh home, the pin from a protected CI variable.
    const job = (extra: Record<string, string> = {}) => ({
      env: {
        S5_PRIVATE_KEY: ci,
        XDG_CONFIG_HOME: join(alice.dir, "..", `ci-${Math.random()}`),
        S5_TRUSTED_KEY: pinned,
        ...extra,
      },
    });
    expect((await alice.s5(["cipher", "from-ci"], job())).code).toBe(0);
    // A pull request's branch that replaced every key: refused in the job.
    const trusted = readFileSync(join(alice.dir, ".s5.json"), "utf8");
    await appendMallorysKey(alice, true);
    const refused = await alice.s5(["cipher", "from-ci"], job());
    expect(refused.code).toBe(7);
    expect(refused.stderr).toContain("(S5_TRUSTED_KEY is none of the project's keys)");
    expect(refused.stderr).toContain("set S5_TRUSTED_KEY to");
    expect(refused.stdout.length).toBe(0);
    // Without the pin the fresh home is a first use (what the pin is for).
    expect((await alice.s5(["cipher", "x"], job({ S5_TRUSTED_KEY: "" }))).code).toBe(0);
    // A real rotation: CI, a recipient, checks it from the pinned key.
    writeFileSync(join(alice.dir, ".s5.json"), trusted);
    expect((await alice.s5(["keys", "rotate"])).code).toBe(0);
    expect((await alice.s5(["cipher", "after-rotation"], job())).code).toBe(0);
  });

  it("a machine's first use of local keys in a project says so, once: a pull request that switched a Vault project to its author's key", async () => {
    // A project sealed with Vault: Alice never used local keys in it, so the record knows none.
    const alice = sandbox();
    writeFileSync(
      join(alice.dir, ".s5.json"),
      '{ "backend": "vault", "vault": { "transitKey": "app" } }\n',
    );
    // Mallory's pull request: backend local, with a key of her own (sealed to her alone).
    const mallory = sandbox();
    expect((await mallory.s5(["init", "--name", "mallory"])).code).toBe(0);
    const config = JSON.parse(readFileSync(join(alice.dir, ".s5.json"), "utf8"));
    config.backend = "local";
    config.local = readProject(mallory.dir).local;
    writeFileSync(join(alice.dir, ".s5.json"), JSON.stringify(config));
    const key = config.local.keys[0];
    const first = await alice.s5(["cipher", "a-new-secret"]);
    expect(first.code).toBe(0);
    expect(first.stdout.toString()).toContain(`{{ s5:local:${key.id}:`);
    // Before: nothing on stderr. Trusted as a first use still (as ssh trusts a new host), but said.
    expect(first.stderr).toBe(
      `s5: warning: local key ${key.id} now encrypts in ${join(alice.dir, ".s5.json")}, trusted as this machine's first use of local keys there (public key ${key.publicKey}); if you expected another key or backend (a change to .s5.json may have brought this one), check \`git log -p .s5.json\`\n`,
    );
    const again = await alice.s5(["cipher", "another"]);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe("");
    // A record that cannot be written says that, each time, and no more (every use is a first).
    writeFileSync(join(alice.dir, "..", "not-a-dir"), "");
    const unwritable = await alice.s5(["cipher", "x"], {
      env: { S5_KNOWN_KEYS_FILE: join(alice.dir, "..", "not-a-dir", "known-keys.json") },
    });
    expect(unwritable.code).toBe(0);
    expect(unwritable.stderr).toMatch(
      /^s5: warning: cannot write .*will not notice if they are replaced \(S5_KEY_KNOWN_WRITE; set S5_KNOWN_KEYS_FILE to a file in a directory of yours that you can write\)\n$/,
    );
    // Not after `s5 init` (its own key), nor where S5_TRUSTED_KEY pins the key (CI).
    const bob = sandbox();
    expect((await bob.s5(["init", "--name", "bob"])).code).toBe(0);
    expect((await bob.s5(["cipher", "x"])).stderr).toBe("");
    const job = await mallory.s5(["cipher", "x"], {
      env: { XDG_CONFIG_HOME: join(mallory.dir, "..", "ci"), S5_TRUSTED_KEY: key.publicKey },
    });
    expect(job.code).toBe(0);
    expect(job.stderr).toBe("");
  });

  it("S5_TRUSTED_KEY set to another project's key, or to no public key, says exactly that", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    const other = sandbox();
    await other.s5(["init", "--name", "bob"]);
    const fresh = () => join(alice.dir, "..", `ci-${Math.random()}`);
    const foreign = readProject(other.dir).local.keys[0].publicKey;
    const elsewhere = await alice.s5(["cipher", "x"], {
      env: { S5_TRUSTED_KEY: foreign, XDG_CONFIG_HOME: fresh() },
    });
    expect(elsewhere.code).toBe(7);
    expect(elsewhere.stderr).toContain("(S5_TRUSTED_KEY is none of the project's keys)");
    expect(elsewhere.stderr).not.toContain("no longer listed");
    expect(elsewhere.stdout.length).toBe(0);
    const invalid = await alice.s5(["cipher", "x"], {
      env: { S5_TRUSTED_KEY: "hunter2", XDG_CONFIG_HOME: fresh() },
    });
    expect(invalid.code).toBe(12);
    expect(invalid.stderr).toContain("S5_TRUSTED_KEY is not a project public key");
    expect(invalid.stderr).toContain("(S5_CONFIG_VALUE)");
    expect(invalid.stderr).not.toContain("hunter2");
    expect(invalid.stdout.length).toBe(0);
  });

  it("another clone or worktree of the project keeps the rules of the one this machine knows", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    expect((await alice.s5(["cipher", "x"])).code).toBe(0);
    // Mallory's branch: her key appended, Alice's entry on the key before removed (so that Alice
    // cannot check the link); checked out as a worktree, at a path this machine has never seen.
    const { config } = await appendMallorysKey(alice);
    config.local.keys[0].recipients = config.local.keys[0].recipients.filter(
      (r: { name: string }) => r.name !== "alice",
    );
    const worktree = join(alice.dir, "..", "worktree");
    mkdirSync(worktree);
    writeProject(worktree, config);
    const refused = await alice.s5(["cipher", "to-mallory"], { cwd: worktree });
    expect(refused.code).toBe(7);
    expect(refused.stderr).toContain("S5_KEY_LOCAL_UNTRUSTED");
    expect(refused.stderr).toContain(`cannot check that it endorses ${config.local.keys[1].id}`);
    // A clean clone of the same project there is the same project: it encrypts as before.
    writeFileSync(join(worktree, ".s5.json"), readFileSync(join(alice.dir, ".s5.json")));
    writeProject(worktree, { ...config, local: { keys: [readProject(alice.dir).local.keys[0]] } });
    expect((await alice.s5(["cipher", "y"], { cwd: worktree })).code).toBe(0);
  });

  it("keys rotate refuses to rotate from a key list this machine does not trust", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    await appendMallorysKey(alice, true);
    const before = readFileSync(join(alice.dir, ".s5.json"), "utf8");
    const rotate = await alice.s5(["keys", "rotate"]);
    expect(rotate.code).toBe(7);
    expect(rotate.stderr).toContain("S5_KEY_LOCAL_UNTRUSTED");
    expect(readFileSync(join(alice.dir, ".s5.json"), "utf8")).toBe(before);
  });

  it("many s5 processes recording keys at once lose none of them", async () => {
    const alice = sandbox();
    const dirs = Array.from({ length: 12 }, (_, i) => join(alice.dir, `p${i}`));
    for (const dir of dirs) mkdirSync(dir);
    await alice.s5(["keys", "generate"]);
    await alice.s5(["init", "--dir", dirs[0]!]);
    const results = await Promise.all(dirs.map((dir) => alice.s5(["init", "--dir", dir])));
    expect(results.map((result) => result.code)).toEqual(dirs.map(() => 0));
    const known = JSON.parse(
      readFileSync(join(alice.env.XDG_CONFIG_HOME!, "s5", "known-keys.json"), "utf8"),
    );
    for (const dir of dirs) {
      expect(known.projects[realpathSync(join(dir, ".s5.json"))], dir).toHaveLength(1);
    }
    expect(existsSync(join(alice.env.XDG_CONFIG_HOME!, "s5", "known-keys.json.lock"))).toBe(false);
  });

  it("a temporary record a killed s5 left is removed once it is an hour old, not before", async () => {
    const alice = sandbox();
    expect((await alice.s5(["init", "--name", "alice"])).code).toBe(0);
    const record = join(alice.env.XDG_CONFIG_HOME!, "s5", "known-keys.json");
    // SIGKILL between the write and the rename: what writeRecord leaves.
    const old = `${record}.4242.k1ll3d.tmp`;
    const recent = `${record}.4343.wr1t1ng.tmp`;
    writeFileSync(old, "{}\n", { mode: 0o600 });
    writeFileSync(recent, "{}\n", { mode: 0o600 });
    const twoHoursAgo = new Date(Date.now() - 7_200_000);
    utimesSync(old, twoHoursAgo, twoHoursAgo);
    mkdirSync(join(alice.dir, "p2"));
    expect((await alice.s5(["init", "--dir", "p2"])).code).toBe(0);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(JSON.parse(readFileSync(record, "utf8")).projects).toHaveProperty(
      realpathSync(join(alice.dir, "p2", ".s5.json")),
    );
  });

  it("a lock another s5 holds keeps this one off the record: it waits, then says so", async () => {
    const alice = sandbox();
    expect((await alice.s5(["init", "--name", "alice"])).code).toBe(0);
    const record = join(alice.env.XDG_CONFIG_HOME!, "s5", "known-keys.json");
    const before = readFileSync(record, "utf8");
    // Another s5 took the lock a moment ago and is writing the record: this one must not.
    writeFileSync(`${record}.lock`, "another-s5");
    mkdirSync(join(alice.dir, "p2"));
    const held = await alice.s5(["init", "--dir", "p2"]);
    expect(held.code).toBe(7);
    expect(held.stderr).toContain(`cannot write ${record}: ${record}.lock is held`);
    expect(readFileSync(record, "utf8")).toBe(before);
    expect(readFileSync(`${record}.lock`, "utf8")).toBe("another-s5");
  });

  it("a lock from the future is stale; a rotation that cannot be recorded says so and how to go on", async () => {
    const alice = sandbox();
    expect((await alice.s5(["init", "--name", "alice"])).code).toBe(0);
    const record = join(alice.env.XDG_CONFIG_HOME!, "s5", "known-keys.json");
    // A lock whose time is ahead (a clock set back after it was taken) held every rotation off.
    writeFileSync(`${record}.lock`, "someone");
    const ahead = new Date(Date.now() + 3_600_000);
    utimesSync(`${record}.lock`, ahead, ahead);
    expect((await alice.s5(["keys", "rotate"])).code).toBe(0);
    expect(existsSync(`${record}.lock`)).toBe(false);
    // A record that cannot be written: the rotation is done, and the message says not to redo it.
    const before = readProject(alice.dir).local.keys.length;
    const failed = await alice.s5(["keys", "rotate"], {
      env: { S5_KNOWN_KEYS_FILE: "/dev/null/known-keys.json" },
    });
    expect(failed.code).toBe(7);
    const newest = readProject(alice.dir).local.keys.at(-1);
    expect(readProject(alice.dir).local.keys.length).toBe(before + 1);
    expect(failed.stderr).toContain(`local key ${newest.id} now encrypts in`);
    expect(failed.stderr).toContain(`do not rotate again`);
    expect(failed.stderr).toContain(
      `s5 keys trust ${newest.id.startsWith("-") ? "-- " : ""}${newest.id}`,
    );
  });

  it("a checkout deleted and cloned again from a branch that replaced every key is refused, whatever was recorded meanwhile", async () => {
    // A hostile review of a pruning of the record (dropped again): an entry of a path that is
    // gone still says which key encrypts there, for `rm -rf app && git clone … app`.
    const alice = sandbox();
    mkdirSync(join(alice.dir, "main"));
    expect(
      (await alice.s5(["init", "--name", "alice", "--dir", join(alice.dir, "main")])).code,
    ).toBe(0);
    const app = join(alice.dir, "app");
    mkdirSync(app);
    writeFileSync(join(app, ".s5.json"), readFileSync(join(alice.dir, "main", ".s5.json")));
    expect((await alice.s5(["cipher", "x"], { cwd: app })).code).toBe(0);
    rmSync(app, { recursive: true });
    // Something else is recorded meanwhile (another project's first use).
    const other = join(alice.dir, "other");
    mkdirSync(other);
    expect((await alice.s5(["init", "--dir", other])).code).toBe(0);
    // Mallory's branch, every key made anew: cloned again at the same path.
    const mallory = sandbox();
    expect((await mallory.s5(["init", "--name", "mallory"])).code).toBe(0);
    mkdirSync(app);
    writeFileSync(join(app, ".s5.json"), readFileSync(join(mallory.dir, ".s5.json")));
    const refused = await alice.s5(["cipher", "to-mallory"], { cwd: app });
    expect(refused.code).toBe(7);
    expect(refused.stderr).toContain("S5_KEY_LOCAL_UNTRUSTED");
    expect(refused.stdout.toString()).toBe("");
  });

  it("a teammate's rotation is accepted by checking its endorsement from the key known here", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    const { box: bob, publicKey: bobPublic } = await teammate("bob");
    expect((await alice.s5(["keys", "add", "bob", bobPublic])).code).toBe(0);
    // An encrypt-only teammate: no identity, so no key to check a rotation with.
    const carolEnv = { XDG_CONFIG_HOME: join(bob.dir, "..", "carol") };
    expect((await bob.s5(["cipher", "bob-before"], { cwd: alice.dir })).code).toBe(0);
    expect((await bob.s5(["cipher", "carol-before"], { cwd: alice.dir, env: carolEnv })).code).toBe(
      0,
    );
    expect((await alice.s5(["keys", "rotate"])).code).toBe(0);
    const [first, second] = readProject(alice.dir).local.keys;
    // Bob holds the key before the new one and checks its endorsement: no question asked.
    const bobAfter = await bob.s5(["cipher", "bob-after"], { cwd: alice.dir });
    expect(bobAfter.code).toBe(0);
    expect(bobAfter.stderr).toContain(`s5: warning: local key ${second.id} now encrypts in`);
    expect(
      (await bob.s5(["cipher", "bob-again"], { cwd: alice.dir })).stderr.toString(),
    ).not.toContain("now encrypts");
    expect(bobAfter.stdout.toString()).toContain(`local:${second.id}:`);
    const bobKnown = JSON.parse(
      readFileSync(join(bob.env.XDG_CONFIG_HOME!, "s5", "known-keys.json"), "utf8"),
    );
    expect(bobKnown.projects[realpathSync(join(alice.dir, ".s5.json"))]).toEqual([
      first.publicKey,
      second.publicKey,
    ]);
    // Carol cannot check it: refused, naming the key she knows, until she trusts the new one.
    const carol = await bob.s5(["cipher", "carol-after"], { cwd: alice.dir, env: carolEnv });
    expect(carol.code).toBe(7);
    expect(carol.stderr).toContain(
      `(the key this machine last encrypted to here is ${first.id}, and this machine cannot check that it endorses ${second.id})`,
    );
    expect((await bob.s5(["keys", "trust"], { cwd: alice.dir, env: carolEnv })).code).toBe(0);
    expect((await bob.s5(["cipher", "carol-after"], { cwd: alice.dir, env: carolEnv })).code).toBe(
      0,
    );
  });

  it("a record of known keys that others may write is not trusted", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    const dir = join(alice.env.XDG_CONFIG_HOME!, "s5");
    const known = join(dir, "known-keys.json");
    const before = readFileSync(known, "utf8");
    chmodSync(known, 0o666);
    const file = await alice.s5(["cipher", "x"]);
    expect(file.code).toBe(7);
    expect(file.stderr).toContain("S5_KEY_KNOWN_MODE");
    expect(file.stderr).toContain(`chmod 600 ${known}`);
    expect(file.stdout.length).toBe(0);
    // Writable by the group alone is no better: any member could add their key.
    chmodSync(known, 0o620);
    const group = await alice.s5(["cipher", "x"]);
    expect(group.code).toBe(7);
    expect(group.stderr).toContain("S5_KEY_KNOWN_MODE");
    expect(group.stdout.length).toBe(0);
    chmodSync(known, 0o600);
    for (const open of [0o777, 0o770]) {
      chmodSync(dir, open);
      const folder = await alice.s5(["cipher", "x"]);
      expect(folder.code, open.toString(8)).toBe(7);
      expect(folder.stderr).toContain(`chmod 700 ${dir}`);
    }
    chmodSync(dir, 0o700);
    expect((await alice.s5(["cipher", "x"])).code).toBe(0);
    expect(readFileSync(known, "utf8")).toBe(before);
    if (process.getuid?.() === 0) {
      // Another user's record, private as it is (in a sticky /tmp anyone may create one).
      chownSync(known, 65534, 65534);
      const theirs = await alice.s5(["cipher", "x"]);
      expect(theirs.code).toBe(7);
      expect(theirs.stderr).toContain("belongs to another user (uid 65534)");
      chownSync(known, 0, 0);
    }
    writeFileSync(known, "{ not json");
    const broken = await alice.s5(["cipher", "x"]);
    expect(broken.code).toBe(7);
    expect(broken.stderr).toContain("S5_KEY_KNOWN_FILE");
    // A place where no record can be kept (a HOME that does not exist): encrypting goes on, and
    // says that a replaced key list would go unnoticed.
    const nowhere = await alice.s5(["cipher", "x"], {
      env: { S5_KNOWN_KEYS_FILE: "/dev/null/known-keys.json" },
    });
    expect(nowhere.code).toBe(0);
    expect(nowhere.stderr).toMatch(
      /s5: warning: cannot write \/dev\/null\/known-keys\.json \(E[A-Z]+\): this machine cannot remember/,
    );
    expect(nowhere.stdout.toString()).toContain("{{ s5:local:");
  });

  it("a recipient's name cannot hold control characters (keys list cannot be spoofed)", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    const other = (await alice.s5(["keys", "generate"])).stderr.match(/s5pk-\S+/)![0];
    const added = await alice.s5(["keys", "add", "\u001b[1A\u001b[2K\ralice", other]);
    expect(added.code).toBe(2);
    const valid = readFileSync(join(alice.dir, ".s5.json"));
    const config = readProject(alice.dir);
    config.local.keys[0].recipients[0].name = "\u001b[1A\u001b[2K\ralice";
    writeProject(alice.dir, config);
    const list = await alice.s5(["keys", "list"]);
    expect(list.code).toBe(12);
    expect(list.stderr).toContain("without control, bidirectional or invisible characters");
    // A right-to-left override shows "alice" for a name that is not; a zero-width space makes
    // a second "alice" that looks like the first.
    for (const name of ["\u202eecila", "al\u200bice", "\u2066alice\u2069"]) {
      writeFileSync(join(alice.dir, ".s5.json"), valid);
      const refused = await alice.s5(["keys", "add", name, other]);
      expect(refused.code, JSON.stringify(name)).toBe(2);
      expect(refused.stderr).toContain("without control, bidirectional or invisible characters");
      config.local.keys[0].recipients[0].name = name;
      writeProject(alice.dir, config);
      const shown = await alice.s5(["keys", "list"]);
      expect(shown.code).toBe(12);
      expect(shown.stderr).not.toContain(name);
    }
  });

  it("a name edited into .s5.json with an escape or bidi control never reaches the terminal raw", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    const other = (await alice.s5(["keys", "generate"])).stderr.match(/s5pk-\S+/)![0];
    expect((await alice.s5(["keys", "add", "bob", other])).code).toBe(0);
    const config = readProject(alice.dir);
    for (const name of ["\u001b[2K\rbob", "bob\u202e", "\u001b]8;;http://x\u0007bob"]) {
      config.local.keys[0].recipients[1].name = name;
      writeProject(alice.dir, config);
      // Every command that reads the project refuses it before a name is used (the schema), and
      // the refusal names the entry by its path, not by the name.
      for (const args of [
        ["keys", "remove", name],
        ["keys", "remove", "bobb"],
        ["keys", "remove", "alice"],
        ["keys", "add", name, other],
        ["keys", "list"],
        ["keys", "rotate"],
      ]) {
        const result = await alice.s5(args);
        const label = `${args.join(" ")} ${JSON.stringify(name)}`;
        expect(result.code, label).toBe(12);
        expect(result.stderr, label).toContain(
          "`local.keys[0].recipients[1].name` in the project config",
        );
        expect(`${result.stdout}${result.stderr}`, label).not.toMatch(/[\u001b\u0007\r\u202e]/);
      }
    }
  });

  it("s5 init in a subdirectory of a project uses that project, not a new key there", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    const token = (await alice.s5(["cipher", "v"])).stdout.toString();
    mkdirSync(join(alice.dir, "apps", "api"), { recursive: true });
    const bob = { XDG_CONFIG_HOME: join(alice.dir, "bob-config") };
    const init = await alice.s5(["init", "--name", "bob"], {
      cwd: join(alice.dir, "apps", "api"),
      env: bob,
    });
    expect(init.code).toBe(0);
    expect(init.stderr).toContain(`using the project of ${join(alice.dir, ".s5.json")}`);
    expect(init.stderr).toContain("you are not a recipient yet");
    expect(existsSync(join(alice.dir, "apps", "api", ".s5.json"))).toBe(false);
    // Alice still decrypts there; `--dir .` makes a separate project on purpose.
    const there = await alice.s5(["decipher", token], { cwd: join(alice.dir, "apps", "api") });
    expect(there.stdout.toString()).toBe("v");
    const separate = await alice.s5(["init", "--dir", "."], {
      cwd: join(alice.dir, "apps", "api"),
      env: bob,
    });
    expect(separate.code).toBe(0);
    expect(existsSync(join(alice.dir, "apps", "api", ".s5.json"))).toBe(true);
  });

  it("keys remove refuses to remove the last recipient of a key", async () => {
    const box = sandbox();
    await box.s5(["init", "--name", "alice"]);
    const before = readFileSync(join(box.dir, ".s5.json"), "utf8");
    const result = await box.s5(["keys", "remove", "alice"]);
    expect(result.code).toBe(7);
    expect(result.stderr).toContain("alice is the last recipient of local key");
    expect(readFileSync(join(box.dir, ".s5.json"), "utf8")).toBe(before);
    const unknown = await box.s5(["keys", "remove", "Sup3rS3cretPw"]);
    expect(unknown.code).toBe(7);
    expect(unknown.stderr).not.toContain("Sup3r");
  });

  it("keys add of a new key under a name in use says the older key still decrypts; remove says how many went", async () => {
    const box = sandbox();
    await box.s5(["init", "--name", "me"]);
    const publicKey = async () =>
      (await box.s5(["keys", "generate"])).stderr.match(/s5pk-[A-Za-z0-9_-]+/)![0];
    const [lost, laptop, desktop] = [await publicKey(), await publicKey(), await publicKey()];
    const first = await box.s5(["keys", "add", "alice", lost]);
    expect(first.code).toBe(0);
    expect(first.stderr).not.toContain("note");
    // Alice lost her laptop; a teammate adds her new key under her name.
    const added = await box.s5(["keys", "add", "alice", laptop]);
    expect(added.code).toBe(0);
    expect(added.stderr).toContain(
      `s5: note: alice now has 2 keys: ${laptop} (added) and ${lost}, which still decrypts every token`,
    );
    expect(added.stderr).toContain(`s5 keys remove ${lost} && s5 keys rotate`);
    const names = () =>
      readProject(box.dir).local.keys[0].recipients.map((r: { name: string }) => r.name);
    expect(names()).toEqual(["me", "alice", "alice"]);
    const third = await box.s5(["keys", "add", "alice", desktop]);
    expect(third.stderr).toContain(
      `alice now has 3 keys: ${desktop} (added) and ${lost}, ${laptop}`,
    );
    // The command given removes the lost key alone, by its public key.
    const one = await box.s5(["keys", "remove", lost]);
    expect(one.code).toBe(0);
    expect(one.stderr).toContain(`removed alice (${lost});`);
    expect(names()).toEqual(["me", "alice", "alice"]);
    // The name removes every key it stands for, and says so.
    const both = await box.s5(["keys", "remove", "alice"]);
    expect(both.code).toBe(0);
    expect(both.stderr).toContain(`removed 2 recipients named alice (${laptop}, ${desktop});`);
    expect(names()).toEqual(["me"]);
  });

  it("keys remove with a public key removes that key alone, even when a name edited into .s5.json is that key", async () => {
    const box = sandbox();
    await box.s5(["init", "--name", "me"]);
    const publicKey = async () =>
      (await box.s5(["keys", "generate"])).stderr.match(/s5pk-[A-Za-z0-9_-]+/)![0];
    const [bobs, carols] = [await publicKey(), await publicKey()];
    expect((await box.s5(["keys", "add", "bob", bobs])).code).toBe(0);
    expect((await box.s5(["keys", "add", "carol", carols])).code).toBe(0);
    // `keys add` refuses such a name; an edit of the committed file does not (names are not proved).
    const config = readProject(box.dir);
    config.local.keys[0].recipients[2].name = bobs;
    writeProject(box.dir, config);
    const removed = await box.s5(["keys", "remove", bobs]);
    expect(removed.code).toBe(0);
    expect(removed.stderr).toContain(`removed bob (${bobs});`);
    const left = readProject(box.dir).local.keys[0].recipients.map(
      (r: { publicKey: string }) => r.publicKey,
    );
    expect(left).toContain(carols);
    expect(left).not.toContain(bobs);
  });

  it("keys add of a public key already listed under another name refuses, naming it", async () => {
    const alice = sandbox();
    await alice.s5(["init", "--name", "alice"]);
    const bob = await teammate("bob");
    expect((await alice.s5(["keys", "add", "bob", bob.publicKey])).code).toBe(0);
    const before = readFileSync(join(alice.dir, ".s5.json"), "utf8");
    const renamed = await alice.s5(["keys", "add", "ci", bob.publicKey]);
    expect(renamed.code).toBe(2);
    expect(renamed.stderr).toContain("that public key is already a recipient, named `bob`");
    expect(readFileSync(join(alice.dir, ".s5.json"), "utf8")).toBe(before);
    // The same name seals to it again, as the hint for a tampered entry says.
    expect((await alice.s5(["keys", "add", "bob", bob.publicKey])).code).toBe(0);
    const names = readProject(alice.dir).local.keys[0].recipients.map(
      (r: { name: string }) => r.name,
    );
    expect(names).toEqual(["alice", "bob"]);
  });
});
