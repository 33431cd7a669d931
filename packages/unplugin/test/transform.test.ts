import { describe, expect, it } from "vitest";
import { formsOf } from "../src/core/leaks.ts";
import { contextsOf, languageOf } from "../src/core/syntax.ts";
import { evaluate, token, transformer } from "./helpers.ts";

const nasty = [
  'he said "hi"',
  "it's",
  "back\\slash\\",
  "line\nbreak\r\n",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template placeholder is the point
  "${globalThis.pwned = 1}",
  "`tick`",
  "ends with $",
  "sep\u2028arator\u2029",
  "</script><!--",
  "emoji 🔑 and ünïcode",
];

describe("escaping for the token's context", () => {
  it.each(nasty)("JS strings of every quote and bare code keep %j", async (value) => {
    const { run } = transformer();
    const t = token(value);
    const sources = [
      `export default "${t}"`,
      `export default '${t}'`,
      `export default \`${t}\``,
      `export default \`a\${"}"}${t}\${1}{b}\`.slice(2, -4)`,
      `export default ${t}`,
      `export default "pre-" + '${t}'.slice(0)`,
    ];
    const results = await Promise.all(sources.map((source) => run(source)));
    expect(evaluate(results[0]!)).toBe(value);
    expect(evaluate(results[1]!)).toBe(value);
    expect(evaluate(results[2]!)).toBe(value);
    expect(evaluate(results[3]!)).toBe(value);
    expect(evaluate(results[4]!)).toBe(value);
    expect(evaluate(results[5]!)).toBe(`pre-${value}`);
    expect((globalThis as { pwned?: number }).pwned).toBeUndefined();
  });

  it.each(nasty)("JSON strings keep %j", async (value) => {
    const { run } = transformer();
    const out = await run(`{ "a": "x${token(value)}", "b": ${token(value)} }`, "/project/a.json");
    expect(JSON.parse(out!)).toEqual({ a: `x${value}`, b: value });
  });

  it("explicit filters win: `| raw` writes the value as is, `| base64` is escaped as text", async () => {
    const { run } = transformer();
    expect(await run(`export default ${token("1 + 2", " | raw")}`)).toBe("export default 1 + 2");
    expect(evaluate((await run(`export default "${token("a'b", " | base64")}"`))!)).toBe(
      Buffer.from("a'b").toString("base64"),
    );
    expect(evaluate((await run(`export default "${token('a"b', " | json")}"`))!)).toBe('a"b');
  });

  it("tokens in comments are left alone and not decrypted", async () => {
    const { run, calls } = transformer();
    const t = token("secret-value");
    const out = await run(`// ${t}\n/* ${t} */\nexport default 1`);
    expect(out).toBeUndefined();
    expect(calls).toHaveLength(0);
  });

  it("YAML: double, single, whole and part of plain scalars", async () => {
    const { run } = transformer();
    const v = "a\"b'c";
    const out = await run(
      `a: "${token(v)}"\nb: '${token("it's")}'\nc: ${token("x: #y\nz")}\nd: pre-${token("plain")} # c\n`,
      "/project/c.yaml",
    );
    expect(out).toBe(`a: "a\\"b'c"\nb: 'it''s'\nc: "x: #y\\nz"\nd: pre-plain # c\n`);
    await expect(run(`d: pre-${token("a: b")}\n`, "/project/c.yml")).rejects.toThrow(
      /cannot be written safely/,
    );
  });

  it("HTML text is entity-escaped; other text is raw", async () => {
    const { run } = transformer();
    expect(await run(`<p>${token("<b>&")}</p>`, "/project/a.html")).toBe("<p>&#60;b&#62;&#38;</p>");
    expect(await run(`k=${token("v v")}`, "/project/a.env")).toBe("k=v v");
  });

  it("the language comes from the id; Vite's ?raw modules are JavaScript", () => {
    expect(languageOf("/a/b.tsx", "")).toBe("js");
    expect(languageOf("/a/b.txt?raw", 'export default "x"')).toBe("js");
    expect(languageOf("/a/b.txt", "x")).toBe("text");
    expect(languageOf("/a/b.JSON", "")).toBe("json");
  });

  it("the lexer knows regular expressions, divisions and nested templates", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source as a string
    const code = 'const r = /"/; const d = a / 2 / "T"; `${`${"}"}`}T`';
    const starts = [code.indexOf("T"), code.lastIndexOf("T")];
    const contexts = contextsOf(
      code,
      "js",
      starts.map((start) => ({ start, end: start + 1 })),
    );
    expect(contexts).toEqual([
      { kind: "string", quote: '"' },
      { kind: "string", quote: "`" },
    ]);
  });

  it("a transform applied twice changes nothing the second time", async () => {
    const { run } = transformer();
    const once = await run(`export default { a: "${token("v1")}", b: ${token("v2")} }`);
    expect(await run(once!)).toBeUndefined();
  });
});

describe("client builds", () => {
  it("a token in a client module fails with file, line and column, without the value", async () => {
    const { run } = transformer({}, "client");
    const error = await run(`\n\nexport default "${token("top-secret-value")}"`).catch((e) => e);
    expect(error.message).toMatch(/^\[s5\] src\/config\.ts:3:17: a secret token in a client/);
    expect(error.message).toMatch(
      /client \(browser\) build \(S5_CLIENT_TOKEN\)\n {2}hint: secrets stay server-side: .*`allowClient`/,
    );
    expect(error.code).toBe("S5_CLIENT_TOKEN");
    expect(error.message).not.toContain("top-secret-value");
  });

  it("allowClient globs let chosen files through", async () => {
    const { run } = transformer({ allowClient: ["src/public/**"] }, "client");
    const out = await run(`export default "${token("public-value")}"`, "/project/src/public/a.ts");
    expect(evaluate(out!)).toBe("public-value");
    await expect(run(`export default "${token("x")}"`, "/project/src/a.ts")).rejects.toThrow(
      /allowClient/,
    );
  });
});

describe("batching", () => {
  it("concurrent modules share one decrypt call, de-duplicated", async () => {
    const { run, calls } = transformer();
    const outs = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        run(`export default ["${token(`v${i % 10}`)}", "${token("shared")}"]`, `/project/m${i}.ts`),
      ),
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(11);
    expect(evaluate(outs[13]!)).toEqual(["v3", "shared"]);
  });

  it("a malformed token fails its own module only", async () => {
    const { run } = transformer();
    const [bad, good] = await Promise.allSettled([
      run(`export default "{{ s5:local:test:!!! }}"`, "/project/bad.ts"),
      run(`export default "${token("fine")}"`, "/project/good.ts"),
    ]);
    expect(bad.status).toBe("rejected");
    expect(String((bad as PromiseRejectedResult).reason.message)).toContain("bad.ts:1:");
    expect(good.status).toBe("fulfilled");
  });
});

describe("source maps", () => {
  const mapOf = async (config: object | undefined) => {
    const { plugin } = transformer();
    const hook = plugin.transform as {
      handler(code: string, id: string): Promise<{ code: string; map: unknown } | null>;
    };
    const code = `export const a = "${token("x")}"; export const b = 1;\n`;
    const result = await hook.handler.call(
      { environment: { config: { consumer: "server", ...config } } } as never,
      code,
      "/project/src/config.ts",
    );
    return result?.map;
  };

  it("a Vite build without build.sourcemap gets none; with it, the dev server and other bundlers do", async () => {
    expect(await mapOf({ command: "build", build: { sourcemap: false } })).toBeNull();
    const wanted = [
      { command: "build", build: { sourcemap: true } },
      { command: "build", build: { sourcemap: "hidden" } },
      { command: "serve", build: { sourcemap: false } },
      undefined,
    ];
    for (const config of wanted) {
      expect(await mapOf(config)).toMatchObject({ sources: ["/project/src/config.ts"] });
    }
  });
});

describe("leak forms", () => {
  it("raw, JSON-escaped, base64 and URL-encoded", () => {
    const forms = formsOf('p@ss "word"/x');
    expect(forms).toContain('p@ss "word"/x');
    expect(forms).toContain('p@ss \\"word\\"/x');
    expect(forms).toContain(Buffer.from('p@ss "word"/x').toString("base64"));
    expect(forms).toContain(encodeURIComponent('p@ss "word"/x'));
  });
});
