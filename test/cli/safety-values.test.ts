// Values: nothing is sealed in part, nothing empty is sealed by accident, and no message echoes a
// command-line argument that may be a secret.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sandbox } from "./run.ts";

const KEY = "33".repeat(32);
const env = { S5_AES_KEY: KEY, S5_BACKEND: "aes" };

describe("half-sealed secrets", () => {
  it("seal refuses a bare value holding `}}` or `|`, with its location, and changes nothing", async () => {
    const box = sandbox();
    const text = [
      "a: {{ s5:seal Xy7}}kP9#qLm2vR8 }}",
      "b: {{ s5:seal a|raw }}",
      "c: {{ s5:seal fine-value }}",
    ].join("\n");
    writeFileSync(join(box.dir, "v.yml"), text);
    const result = await box.s5(["seal", "-i", "v.yml"], { env });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain("v.yml:1:4: malformed seal marker: a bare value cannot hold");
    expect(result.stderr).toContain("v.yml:2:4: malformed seal marker");
    expect(result.stderr).toContain('{{ s5:seal "…" }}');
    for (const secret of ["Xy7", "kP9", "qLm2", "fine-value"]) {
      expect(result.stderr).not.toContain(secret);
    }
    expect(readFileSync(join(box.dir, "v.yml"), "utf8")).toBe(text);

    writeFileSync(
      join(box.dir, "q.yml"),
      'a: {{ s5:seal "Xy7}}kP9#qLm2vR8" }}\nb: {{ s5:seal "a|raw" }}\n',
    );
    expect((await box.s5(["seal", "-i", "q.yml"], { env })).code).toBe(0);
    const rendered = await box.s5(["render", "q.yml"], { env });
    expect(rendered.stdout.toString()).toBe("a: Xy7}}kP9#qLm2vR8\nb: a|raw\n");
  });

  it("seal does not show what follows ` | ` in a marker: it may be the rest of the value", async () => {
    const box = sandbox();
    const text = "a: {{ s5:seal correct horse | batterystaple }}\nb: {{ s5:seal x | jsn }}\n";
    writeFileSync(join(box.dir, "v.yml"), text);
    const result = await box.s5(["seal", "-i", "v.yml"], { env });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain("v.yml:1:4: unknown filter (not shown");
    expect(result.stderr).toContain('{{ s5:seal "…" }}');
    expect(result.stderr).toContain("v.yml:2:4: unknown filter (not shown");
    expect(result.stderr).toContain("did you mean `json`?");
    expect(result.stderr).not.toContain("battery");
    expect(result.stderr).not.toContain("jsn");
    expect(readFileSync(join(box.dir, "v.yml"), "utf8")).toBe(text);
  });

  it("seal and edit refuse what begins like a marker but is not one, and change nothing", async () => {
    const box = sandbox();
    const lines = [
      "a: {{ s5:SEAL Pw-upper-1 }}",
      "b: {{\u00a0s5:seal Pw-nbsp-2 }}",
      "c: {{ s5:se\u200bal Pw-zwsp-3 }}",
      "d: {{ S5:seal Pw-caps-4 }}",
      "e: {{ s5: seal Pw-space-5 }}",
      "f: {{ s5:sealed Pw-sealed-6 }}",
      "g: {{\u2028s5:seal Pw-lsep-7 }}",
      // Well formed as tokens, but none: no space after `s5:seal`, a colon, a plaintext.
      "i: {{s5:sealPw-nospace-8}}",
      "j: {{ s5:seal:Pw-colon-9 }}",
      "k: {{ s5:Pw-plain-10 }}",
      // One character away from a marker: no colon, a dash, one brace, full-width.
      "m: {{ s5 seal Pw-nocolon-11 }}",
      "n: {{ s5-seal Pw-dash-12 }}",
      "o: { s5:seal Pw-onebrace-13 }}",
      "p: \uff5b\uff5b \uff53\uff15\uff1a\uff53\uff45\uff41\uff4c Pw-wide-14 }}",
      "q: {{ s5:seal Pw-good-15 }}",
    ];
    const text = `${lines.join("\n")}\n`;
    writeFileSync(join(box.dir, "v.yml"), text);
    const result = await box.s5(["seal", "-i", "v.yml"], { env });
    expect(result.code).toBe(5);
    for (let line = 1; line <= 14; line++) {
      expect(result.stderr).toMatch(
        new RegExp(`v\\.yml:${line}:4: neither a seal marker nor a token`),
      );
    }
    expect(result.stderr).not.toContain("v.yml:15:");
    // What is wrong with line 1 is the case of `seal`, not a missing `}}`.
    expect(result.stderr).toContain(
      "v.yml:1:4: neither a seal marker nor a token: a seal marker is written `s5:seal`, in lower case (S5_TOKEN_MALFORMED)",
    );
    expect(result.stderr).not.toMatch(/Pw-|upper-1|nbsp-2|caps-4|sealed-6|nospace-8|plain-10/);
    expect(readFileSync(join(box.dir, "v.yml"), "utf8")).toBe(text);
    // What check and render say about the same text: never passed through.
    expect((await box.s5(["check", "--no-decrypt", "v.yml"], { env })).code).toBe(10);
    // check finds a near miss in a file with no token at all (a hook before any seal ran).
    writeFileSync(
      join(box.dir, "near.yml"),
      "a: {{ s5 seal Pw-near-1 }}\nb: plain\nc: {{ s5:seal Pw-real-2 }}\n" +
        "d: {{ s5_sealed_enabled }} {s5-seal-id}\ne: {{ s5 seal Pw-said-5 }} # s5:ignore\n",
    );
    const near = await box.s5(["check", "--no-decrypt", "near.yml"], { env });
    expect(near.code).toBe(10);
    expect(near.stdout.toString()).toContain("near.yml:1:4: written like a seal marker");
    // A real marker left unsealed is one problem, not two; a template's own names, and a line
    // that says s5:ignore, are none.
    expect(near.stdout.toString().match(/near\.yml:3:4:/g)).toHaveLength(1);
    expect(near.stdout.toString()).not.toMatch(/near\.yml:[45]:/);
    expect(near.stdout.toString()).not.toContain("Pw-");
    // A UTF-16 file without a byte-order mark (valid UTF-8 to a decoder, NULs and all).
    const utf16 = Buffer.from("x: {{ s5:seal Pw-utf16-9 }}\n", "utf16le");
    writeFileSync(join(box.dir, "w.yml"), utf16);
    const wide = await box.s5(["seal", "-i", "w.yml"], { env });
    expect(wide.code).toBe(3);
    expect(wide.stderr).toContain("w.yml:1:4: this file is UTF-16");
    expect(readFileSync(join(box.dir, "w.yml")).equals(utf16)).toBe(true);
    // check walks into a directory and finds it too (no byte-order mark: not taken for binary).
    const check = await box.s5(["check", "--no-decrypt", "."], { env, cwd: box.dir });
    expect(check.stdout.toString()).toContain("w.yml:1:4: this file is UTF-16");
  });

  it("check finds plaintext left beside a token on its line", async () => {
    const box = sandbox();
    const token = (await box.s5(["cipher", "--key", KEY, "Xy7"], { env })).stdout.toString();
    writeFileSync(
      join(box.dir, "v.yml"),
      `password: ${token}kP9#qLm2vR8 }}\napi_secret: ${token}kP9#qLm2vR8\nok: ${token}\n`,
    );
    const result = await box.s5(["check", "v.yml"], { env });
    expect(result.code).toBe(10);
    const lines = result.stdout.toString().trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^v\.yml:1:\d+: text after a token ends with `}}`/);
    expect(lines[1]).toMatch(/^v\.yml:2:1: `api_secret` holds plaintext beside its token/);
    expect(result.stdout.toString()).not.toContain("kP9");
  });
});

describe("empty values", () => {
  it("cipher and seal refuse an empty or white-space-only value unless --allow-empty", async () => {
    const box = sandbox();
    for (const [args, input] of [
      [["cipher", ""], undefined],
      [["cipher"], ""],
      [["cipher"], " \n\t\r\n"],
      [["cipher", "--no-trim", "--", "  "], undefined],
    ] as const) {
      const result = await box.s5([...args], { env, input });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("empty or only white space (S5_VALUE_EMPTY)");
      expect(result.stderr).toContain("--allow-empty");
      expect(result.stdout.length).toBe(0);
    }
    // seal: a new empty value is refused with its place, unless --allow-empty.
    const markers = '{{ s5:seal "" }}\nb: {{ s5:seal "  " }}\nc: {{ s5:seal "\\n" }}\n';
    writeFileSync(join(box.dir, "m.yml"), `a: ${markers}`);
    const seal = await box.s5(["seal", "-i", "m.yml"], { env });
    expect(seal.code).toBe(2);
    for (const line of [1, 2, 3]) {
      expect(seal.stderr).toContain(
        `m.yml:${line}:4: the value to seal is empty or only white space`,
      );
    }
    expect(readFileSync(join(box.dir, "m.yml"), "utf8")).toBe(`a: ${markers}`);
    expect((await box.s5(["seal", "-i", "--allow-empty", "m.yml"], { env })).code).toBe(0);
    const rendered = await box.s5(["render", "m.yml"], { env });
    expect(rendered.stdout.toString()).toBe("a: \nb:   \nc: \n\n");
    const allowed = await box.s5(["cipher", "--allow-empty", ""], { env });
    expect(allowed.code).toBe(0);
    const back = await box.s5(["decipher", allowed.stdout.toString()], { env });
    expect(back.code).toBe(0);
    expect(back.stdout.length).toBe(0);
  });
});

describe("arguments that may be secrets", () => {
  it("are never echoed in an error; typos of real names are, with a suggestion", async () => {
    const box = sandbox();
    const secret = await box.s5(["cipher", "--Sup3rS3cretPw"], { env });
    expect(secret.code).toBe(2);
    expect(secret.stderr).toContain("unknown option (not shown: it may be a value)");
    expect(secret.stderr).toContain("put `--` before a value");
    expect(secret.stderr).not.toContain("Sup3r");

    // `-f` is a filter to cipher (a file to `s5 run`): a value put there is not echoed either.
    const filter = await box.s5(["cipher", "-f", "correct-horse-Sup3r", "x"], { env });
    expect(filter.code).toBe(2);
    expect(filter.stderr).toContain("unknown filter (not shown)");
    expect(filter.stderr).not.toContain("Sup3r");

    const short = await box.s5(["cipher", "-Xk9!pw"], { env });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain("unknown option (not shown: it may be a value)");
    expect(short.stderr).not.toContain("-X");

    const typo = await box.s5(["render", "--in-plce"], { env });
    expect(typo.stderr).toContain("unknown option `--in-plce` (did you mean `--in-place`?)");

    const command = await box.s5(["hunter2-Sup3rS3cret"], { env });
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("unknown command (not shown: it may be a value)");
    expect(command.stderr).not.toContain("Sup3r");
    expect((await box.s5(["rendr"])).stderr).toContain("did you mean `render`?");

    const backend = await box.s5(["cipher", "--backend", "Sup3rS3cretPw", "x"]);
    expect(backend.code).toBe(2);
    expect(backend.stderr).not.toContain("Sup3r");
    const action = await box.s5(["keys", "Sup3rS3cretPw"]);
    expect(action.code).toBe(2);
    expect(action.stderr).not.toContain("Sup3r");
    expect((await box.s5(["keys", "remvoe"])).stderr).toContain("did you mean `remove`?");
  });

  it("a secret key typed where a key id or a recipient's name goes is neither echoed nor written", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "alice"])).code).toBe(0);
    const generated = await box.s5(["keys", "generate"]);
    const secret = /S5-SECRET-KEY-[A-Za-z0-9_-]+/.exec(generated.stdout.toString())?.[0] ?? "";
    const publicKey = /s5pk-[A-Za-z0-9_-]+/.exec(generated.stderr)?.[0] ?? "";
    expect(secret).not.toBe("");
    for (const args of [
      ["keys", "trust", secret],
      ["keys", "endorse", secret],
    ]) {
      const result = await box.s5(args);
      expect(result.code, args[1]).not.toBe(0);
      expect(result.stderr).toContain("(not shown: it is no key id, and may be a secret)");
      expect(result.stderr).not.toContain(secret.slice(14, 30));
    }
    const before = readFileSync(join(box.dir, ".s5.json"), "utf8");
    // The two words swapped: the secret key would have become a name in the committed file.
    const swapped = await box.s5(["keys", "add", secret, publicKey]);
    expect(swapped.code).toBe(2);
    expect(swapped.stderr).toContain("a recipient's name looks like a key (not shown)");
    expect(swapped.stderr).not.toContain(secret.slice(14, 30));
    expect(readFileSync(join(box.dir, ".s5.json"), "utf8")).toBe(before);
    expect((await box.s5(["keys", "add", publicKey, publicKey])).code).toBe(2);
    expect((await box.s5(["keys", "add", "bob", publicKey])).code).toBe(0);
  });

  it("keys and init refuse arguments they do not take, without echoing them", async () => {
    const box = sandbox();
    expect((await box.s5(["init", "--name", "alice"])).code).toBe(0);
    const before = readFileSync(join(box.dir, ".s5.json"), "utf8");
    const extra = "Sup3rS3cretPw";
    for (const args of [
      ["keys", "rotate", extra],
      ["keys", "show", extra],
      ["keys", "generate", extra],
      ["keys", "list", extra],
      ["keys", "aes", "list"],
      ["keys", "list", "-b", extra],
      ["init", extra],
      ["init", "aes"],
      ["init", "-b", "aes"],
      ["init", "--backend", extra],
    ]) {
      const result = await box.s5(args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr, args.join(" ")).toContain("(S5_USAGE)");
      expect(result.stderr).not.toContain(extra);
      expect(result.stdout.length, args.join(" ")).toBe(0);
    }
    // Nothing rotated.
    expect(readFileSync(join(box.dir, ".s5.json"), "utf8")).toBe(before);
    expect((await box.s5(["keys", "list", "-b", "local"])).code).toBe(0);
    expect((await box.s5(["init", "local"])).code).toBe(0);
  });

  it("a bad S5_VAULT_AUTH_METHOD is shown only when it is a typo of a method", async () => {
    const box = sandbox();
    const file = join(box.dir, "v.yml");
    writeFileSync(file, `a: {{ s5:vault:v1:${Buffer.from("x".repeat(28)).toString("base64")} }}\n`);
    const vault = { VAULT_ADDR: "http://127.0.0.1:1", VAULT_TOKEN: "t" };
    const token = await box.s5(["render", "v.yml"], {
      env: { ...vault, S5_VAULT_AUTH_METHOD: "hvs.CAESIJsecretTokenValue" },
    });
    expect(token.code).not.toBe(0);
    expect(token.stderr).toContain("unknown S5_VAULT_AUTH_METHOD (not shown)");
    expect(token.stderr.toLowerCase()).not.toContain("caesijsecret");
    const typo = await box.s5(["render", "v.yml"], {
      env: { ...vault, S5_VAULT_AUTH_METHOD: "aprole" },
    });
    expect(typo.stderr).toContain(
      "unknown S5_VAULT_AUTH_METHOD `aprole` (did you mean `approle`?)",
    );
  });
});

describe("text that is not a token", () => {
  it("a bare body that cannot be a Go-tool ciphertext is malformed, not a Vault token", async () => {
    const box = sandbox();
    const garbage = await box.s5(["decipher", "garbage"]);
    expect(garbage.code).toBe(5);
    expect(garbage.stderr).toContain("this is not an s5 token");
    expect(garbage.stderr).not.toContain("VAULT_ADDR");
    const nope = await box.s5(["render"], { input: "A={{ s5:nope }}\n" });
    expect(nope.code).toBe(5);
    expect(nope.stderr).toContain("<stdin>:1:3: this is not an s5 token");
    // A body shaped like Vault's ciphertext is still read as the Go tool's Vault token.
    const shaped = await box.s5(["render"], {
      input: "A={{ s5:NKOAQ4chbVbkx8zxdxcG1hCmEbjszJ5Bx40gPtrtLQ== }}\n",
    });
    expect(shaped.code).toBe(7);
    expect(shaped.stderr).toContain("needs VAULT_ADDR");
  });

  it("a plaintext written after `s5:` (seal left out): no command names a character of it", async () => {
    const box = sandbox();
    // `!` and `§` stop the token: each is part of the password that `seal ` was left out before.
    // Before a colon it read as a backend's word, and every command named it.
    writeFileSync(
      join(box.dir, "v.yml"),
      "a: {{ s5:Hunter2!pw }}\nb: {{ s5:Kq7x§pw }}\nc: {{ s5:Sup3rPw7:x }}\n",
    );
    const runs = [
      ["check", "v.yml"],
      ["check", "--no-decrypt", "v.yml"],
      ["check", "--format", "json", "v.yml"],
      ["check", "--format", "sarif", "v.yml"],
      ["render", "v.yml"],
      ["ls", "v.yml"],
      ["rewrap", "v.yml"],
      ["seal", "v.yml"],
    ];
    for (const args of runs) {
      const result = await box.s5(args, { env });
      const said = `${result.stdout.toString()}${result.stderr}`;
      expect(result.code, args.join(" ")).not.toBe(0);
      expect(said, args.join(" ")).toContain("v.yml");
      for (const shown of ["`!`", "§", "U+00A7", "Hunter2", "Kq7x", "Sup3rPw7"]) {
        expect(said, `${args.join(" ")}: ${shown}`).not.toContain(shown);
      }
    }
    // A character that stops a backend's ciphertext is a copying slip: named, to find it.
    const slip = await box.s5(["render"], { env, input: "a: {{ s5:aes:AbC!def }}\n" });
    expect(slip.code).toBe(5);
    expect(slip.stderr).toContain("<stdin>:1:4: malformed token: unexpected character `!`");
  });

  it("a token written with a non-breaking space fails with its place; render and check see it", async () => {
    const box = sandbox();
    const token = (await box.s5(["cipher", "--key", KEY, "nbsp-value"], { env })).stdout.toString();
    // NBSP, OGHAM SPACE MARK (three UTF-8 bytes), LINE SEPARATOR, NEL, VT, ZERO WIDTH SPACE.
    for (const space of ["\u00a0", "\u1680", "\u2028", "\u0085", "\u000b", "\u200b"]) {
      const name = `U+${space.codePointAt(0)!.toString(16)}`;
      const broken = token.replace("{{ ", `{{${space}`);
      writeFileSync(join(box.dir, "a.yml"), `x: 1\npassword: ${broken}\n`);
      const render = await box.s5(["render", "a.yml"], { env });
      expect(render.code, name).toBe(5);
      expect(render.stderr, name).toContain("a.yml:2:11: malformed token: a Unicode space");
      expect(render.stdout.length).toBe(0);
      const check = await box.s5(["check", "a.yml"], { env });
      expect(check.code, name).toBe(10);
      expect(check.stdout.toString()).toContain("a.yml:2:11:");
    }
  });

  it("a UTF-16 file (PowerShell's `>`) with tokens fails clearly instead of passing through", async () => {
    const box = sandbox();
    const token = (
      await box.s5(["cipher", "--key", KEY, "utf16-value"], { env })
    ).stdout.toString();
    const text = `\ufeffx: 1\r\npassword: ${token}\r\n`;
    writeFileSync(join(box.dir, "le.yml"), Buffer.from(text, "utf16le"));
    writeFileSync(join(box.dir, "be.yml"), Buffer.from(text, "utf16le").swap16());
    for (const file of ["le.yml", "be.yml"]) {
      const render = await box.s5(["render", file], { env });
      expect(render.code, file).toBe(3);
      expect(render.stderr).toContain(`${file}:2:11: this file is UTF-16`);
      expect(render.stderr).toContain("iconv -f UTF-16 -t UTF-8");
      expect(render.stdout.length).toBe(0);
      const check = await box.s5(["check", file], { env });
      expect(check.code).toBe(10);
      expect(check.stdout.toString()).toContain(`${file}:2:11: this file is UTF-16`);
    }
    // Without tokens a UTF-16 file is no concern of s5's: rendered unchanged.
    const plain = Buffer.from("\ufeffjust text {{ .Values.x }}\r\n", "utf16le");
    writeFileSync(join(box.dir, "plain.yml"), plain);
    const out = await box.s5(["render", "plain.yml"], { env });
    expect(out.code).toBe(0);
    expect(out.stdout.equals(plain)).toBe(true);
  });
});
