// `s5 tf-external` run as a child process exactly as Terraform's and OpenTofu's `external`
// provider runs its program: the query as one JSON object on stdin, the result on stdout, a
// non-zero exit with stderr as the error. Always on; the real-tool run is in tofu.test.ts.
import { describe, expect, it } from "vitest";
import { type Sandbox, sandbox } from "../cli/run.ts";

async function project(): Promise<{ box: Sandbox; cipher(value: string): Promise<string> }> {
  const box = sandbox();
  expect((await box.s5(["init", "--name", "tofu"])).code).toBe(0);
  return {
    box,
    cipher: async (value) => (await box.s5(["cipher", value])).stdout.toString(),
  };
}

/** What the provider does: `cmd.Stdin = json(query)`, then reads stdout as a map of strings. */
async function external(
  box: Sandbox,
  query: unknown,
  args: string[] = [],
  env: Record<string, string> = {},
) {
  const input = typeof query === "string" || Buffer.isBuffer(query) ? query : JSON.stringify(query);
  // The provider's environment is OpenTofu's: a TF_LOG of the shell running the tests is not.
  const result = await box.s5(["tf-external", ...args], {
    input,
    env: { TF_LOG: "", TF_LOG_PROVIDER: "", ...env },
  });
  return { ...result, stdout: result.stdout.toString() };
}

describe("s5 tf-external (the external data source protocol)", () => {
  it("prints one flat JSON object of strings, tokens inside values decrypted", async () => {
    const { box, cipher } = await project();
    const password = await cipher("correct horse battery staple");
    const key = await cipher("k-123");
    const result = await external(box, {
      password,
      url: `postgres://app:${password}@db:5432/app`,
      api_key: key,
      region: "eu-west-1",
      empty: "",
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.endsWith("\n")).toBe(true);
    expect(JSON.parse(result.stdout)).toEqual({
      password: "correct horse battery staple",
      url: "postgres://app:correct horse battery staple@db:5432/app",
      api_key: "k-123",
      region: "eu-west-1",
      empty: "",
    });
  });

  it("answers an empty query with an empty object", async () => {
    const { box } = await project();
    const result = await external(box, {});
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({});
  });

  it("keeps multi-line and unicode plaintexts intact through JSON", async () => {
    const { box } = await project();
    const pem = '-----BEGIN KEY-----\nabc\n"quoted" ünïcödé\n-----END KEY-----\n';
    const token = (await box.s5(["cipher", "--no-trim"], { input: pem })).stdout.toString();
    const result = await external(box, { pem: token });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ pem });
  });

  it.each([
    ["not JSON", "{password: nope", /stdin is not valid JSON/],
    ["an array", "[1,2]", /must be a JSON object, not an array/],
    ["a string", '"text"', /must be a JSON object, not string/],
    ["null", "null", /must be a JSON object, not null/],
    ["empty input", "", /stdin is not valid JSON/],
  ])("refuses %s on stdin with exit code 3 and a clear message", async (_, input, message) => {
    const { box } = await project();
    const result = await external(box, input);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain("hint:");
  });

  it.each([
    ["a number", { port: 5432 }, /query value `port` must be a string, not number/],
    ["an object", { db: { password: "x" } }, /query value `db` must be a string, not object/],
    ["null", { db: null }, /query value `db` must be a string, not null/],
  ])("refuses %s as a value, naming the key and not the value", async (_, query, message) => {
    const { box } = await project();
    const result = await external(box, query);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain("5432");
  });

  it("refuses bytes that are not UTF-8 with their place, instead of decrypting around U+FFFD", async () => {
    const { box, cipher } = await project();
    const token = await cipher("utf8-plaintext");
    const input = Buffer.concat([
      Buffer.from('{"pw":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(`${token}"}`),
    ]);
    const result = await external(box, input);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("stdin:1:8: the query is not UTF-8 text here");
    expect(result.stderr).toContain("(S5_INPUT)");
    expect(result.stderr).toContain("hint:");
    expect(result.stderr).not.toContain("\ufffd");
    expect(result.stderr).not.toContain("utf8-plaintext");
    // A character cut off at the very end is refused too, at its first byte.
    const cut = await external(box, Buffer.from([...Buffer.from('{"a":"x"}'), 0xe2, 0x82]));
    expect(cut.code).toBe(3);
    expect(cut.stderr).toContain("stdin:1:10: the query is not UTF-8 text here");
  });

  it("refuses a byte-order mark, a lone surrogate and a key given twice: nothing changed, no token dropped", async () => {
    const { box, cipher } = await project();
    const token = await cipher("edge-plaintext");
    const bom = await external(box, Buffer.from(`\ufeff{"a":"${token}"}`));
    expect(bom.code).toBe(3);
    expect(bom.stderr).toContain("stdin:1:1: the query starts with a byte-order mark");
    // Go would read `\ud800` as U+FFFD: the value would change without a word.
    const lone = await external(box, `{"pw":"\\ud800${token}"}`);
    expect(lone.code).toBe(3);
    expect(lone.stderr).toContain("query value `pw` holds a lone surrogate");
    const loneKey = await external(box, '{"\\udc00":"x"}');
    expect(loneKey.code).toBe(3);
    expect(loneKey.stderr).toContain("query key `\\udc00` holds a lone surrogate");
    // JSON.parse keeps the last of two values: the token in the first would vanish.
    const twice = await external(box, `{"pw":"{{ s5:local:unclosed","x":"y","pw":"plain"}`);
    expect(twice.code).toBe(3);
    expect(twice.stdout).toBe("");
    expect(twice.stderr).toContain("stdin:1:38: query key `pw` is given twice (S5_INPUT)");
    for (const result of [bom, lone, loneKey, twice]) {
      expect(result.stdout).toBe("");
      expect(result.stderr).not.toContain("edge-plaintext");
    }
    // An escaped quote or backslash does not end a key, a surrogate pair is text, and keys
    // JavaScript treats specially are kept as keys.
    const entries = [
      ['a\\"', 'x"\\'],
      ["a\\", token],
      ["😀", `😀${token}`],
      ["__proto__", token],
      ["constructor", "c"],
    ];
    const tricky = await external(box, JSON.stringify(Object.fromEntries(entries)));
    expect(tricky.stderr).toBe("");
    expect(Object.entries(JSON.parse(tricky.stdout))).toEqual([
      ['a\\"', 'x"\\'],
      ["a\\", "edge-plaintext"],
      ["😀", "😀edge-plaintext"],
      ["__proto__", "edge-plaintext"],
      ["constructor", "c"],
    ]);
  });

  it("fails the whole query when any token fails: no stdout, the key's location, no plaintext", async () => {
    const { box, cipher } = await project();
    const good = await cipher("the-good-plaintext");
    const stranger = await project();
    const foreign = await stranger.cipher("the-foreign-plaintext");
    const result = await external(box, { good, bad: `x=${foreign}` });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("query.bad:1:3");
    expect(result.stderr).not.toContain("the-good-plaintext");
    expect(result.stderr).not.toContain("the-foreign-plaintext");
  });

  it("refuses to run when OpenTofu logs providers at TRACE (the provider logs the output)", async () => {
    const { box, cipher } = await project();
    const query = { password: await cipher("traced-pa55word") };
    // OpenTofu's rule: TF_LOG_PROVIDER, else TF_LOG; JSON and unknown levels mean TRACE.
    const traced: Record<string, string>[] = [
      { TF_LOG: "trace" },
      { TF_LOG: "JSON" },
      { TF_LOG: "1" },
      { TF_LOG: "debug", TF_LOG_PROVIDER: "trace" },
    ];
    for (const env of traced) {
      const result = await external(box, query, [], env);
      expect(result.code, JSON.stringify(env)).toBe(12);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain("(S5_CONFIG_TF_LOG)");
      expect(result.stderr).toContain("hint: set TF_LOG_PROVIDER=debug");
      expect(result.stderr).not.toContain("traced-pa55word");
    }
    const quiet: Record<string, string>[] = [
      { TF_LOG: "debug" },
      { TF_LOG: "trace", TF_LOG_PROVIDER: "off" },
    ];
    for (const env of quiet) {
      const result = await external(box, query, [], env);
      expect(result.code, JSON.stringify(env) + result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({ password: "traced-pa55word" });
    }
  });

  it("reports a malformed token with exit code 5", async () => {
    const { box } = await project();
    const result = await external(box, { bad: "{{ s5:local:unclosed" });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain("query.bad:1:1");
  });

  it("takes backend options like the other commands, and no arguments", async () => {
    const { box } = await project();
    const aesKey = "33".repeat(32);
    const token = (
      await box.s5(["cipher", "aes", "--key", aesKey, "aes-secret"])
    ).stdout.toString();
    const withKey = await external(box, { v: token }, ["--key", aesKey]);
    expect(JSON.parse(withKey.stdout)).toEqual({ v: "aes-secret" });
    const extra = await external(box, {}, ["surplus"]);
    expect(extra.code).toBe(2);
    const help = await box.s5(["tf-external", "--help"]);
    expect(help.stdout.toString()).toContain("stored in the state");
  });
});
