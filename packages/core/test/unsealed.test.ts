// Values in clear where a token stood (`s5 check --staged`, `--base`): the rule, on texts alone.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CurrentFile, EarlierFile } from "../src/moved.ts";
import { findTokens } from "../src/render.ts";
import { changedLines, findUnsealed, mayBeRendered } from "../src/unsealed.ts";

/** A Vault token of 30 made-up bytes (never decrypted here), one per letter. */
const token = (letter: string) =>
  `{{ s5:vault:v1:${Buffer.from(letter.repeat(30)).toString("base64")} }}`;

const earlier = (name: string, text: string, now: string | undefined = name): EarlierFile => ({
  name,
  content: Buffer.from(text),
  now,
});

function current(name: string, text: string): CurrentFile {
  const content = Buffer.from(text);
  return { name, content, found: findTokens({ name, content }) };
}

/** Each value in clear as `file:line:col <- file:line:col`. */
function unsealed(before: EarlierFile[], after: CurrentFile[]): string[] {
  return findUnsealed(before, after).map(({ file, offset, from }) => {
    const at = after[file]!.found.lines.locate(offset);
    return `${at.file}:${at.line}:${at.column} <- ${from.file}:${from.line}:${from.column}`;
  });
}

/** {@link unsealed} with `sources` the unchanged files a new file may be a copy of. */
function unsealedCopies(sources: EarlierFile[], after: CurrentFile[]): string[] {
  return findUnsealed([], after, undefined, sources).map(({ file, offset, from }) => {
    const at = after[file]!.found.lines.locate(offset);
    return `${at.file}:${at.line}:${at.column} <- ${from.file}:${from.line}:${from.column}`;
  });
}

describe("findUnsealed", () => {
  it("finds each value a render put where a token stood, and nothing of a file sealed as before", () => {
    const then = `db:\n  password: ${token("a")}\n  host: ${token("b")} # primary\n  port: 5432\n`;
    expect(
      unsealed(
        [earlier("v.yml", then)],
        [current("v.yml", "db:\n  password: s3cr3t\n  host: db.local # primary\n  port: 5432\n")],
      ),
    ).toEqual(["v.yml:2:13 <- v.yml:2:13", "v.yml:3:9 <- v.yml:3:9"]);
    // Re-sealed (new tokens), one token kept, a value emptied or its line removed: nothing.
    const again = then.replace(token("a"), token("c"));
    expect(unsealed([earlier("v.yml", then)], [current("v.yml", again)])).toEqual([]);
    expect(
      unsealed(
        [earlier("v.yml", then)],
        [current("v.yml", `db:\n  password: ""\n  host: ${token("b")} # primary\n  port: 5432\n`)],
      ),
    ).toEqual([]);
    expect(unsealed([earlier("v.yml", then)], [current("v.yml", "db:\n  port: 5432\n")])).toEqual(
      [],
    );
    // A placeholder or a reference put in its place holds no value of its own.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell reference, written as users do
    for (const instead of ["${DB_PASSWORD}", "none", "'changeme'", "{{ .Values.password }}"]) {
      expect(
        unsealed([earlier("v.yml", then)], [current("v.yml", then.replace(token("a"), instead))]),
      ).toEqual([]);
    }
    // A seal marker put back is no value in clear (the marker check reports it).
    expect(
      unsealed(
        [earlier("v.yml", then)],
        [current("v.yml", then.replace(token("a"), "{{ s5:seal s3cr3t }}"))],
      ),
    ).toEqual([]);
  });

  it("two tokens on a line, one rendered; CRLF; a line rewritten around its value is not followed", () => {
    const then = `URL=postgres://${token("a")}:${token("b")}@db/app\r\nMODE=prod\r\n`;
    expect(
      unsealed(
        [earlier(".env", then)],
        [current(".env", `URL=postgres://${token("a")}:hunter2@db/app\r\nMODE=prod\r\n`)],
      ),
    ).toEqual([".env:1:75 <- .env:1:75"]);
    expect(
      unsealed(
        [earlier(".env", then)],
        [current(".env", "DATABASE_URL=postgres://app:hunter2@db/app\r\nMODE=prod\r\n")],
      ),
    ).toEqual([]);
  });

  it("CRLF at HEAD, LF staged (or the reverse): the line ending is no part of the line's text", () => {
    // `*.yml text eol=lf` (or `git add --renormalize`) stages a file rendered in place with LF
    // where HEAD's had CRLF: each line then differed from its template by its `\r`.
    const crlf = `db:\r\n  host: ${token("a")}\r\n  port: 5432\r\n`;
    const lf = `db:\n  host: ${token("a")}\n  port: 5432\n`;
    expect(
      unsealed(
        [earlier("v.yml", crlf)],
        [current("v.yml", "db:\n  host: db.internal.example\n  port: 5432\n")],
      ),
    ).toEqual(["v.yml:2:9 <- v.yml:2:9"]);
    expect(
      unsealed(
        [earlier("v.yml", lf)],
        [current("v.yml", "db:\r\n  host: db.internal.example\r\n  port: 5432\r\n")],
      ),
    ).toEqual(["v.yml:2:9 <- v.yml:2:9"]);
    // Sealed again with the other ending: no value in clear.
    expect(unsealed([earlier("v.yml", crlf)], [current("v.yml", lf)])).toEqual([]);
    expect(
      unsealed([earlier("v.yml", crlf)], [current("v.yml", crlf.replace(token("a"), '""'))]),
    ).toEqual([]);
  });

  it("a new file that mostly repeats an unchanged file of tokens, values in clear: a copy rendered", () => {
    const sealed = `db:\n  host: ${token("a")}\n  port: 5432\n  name: app\n`;
    const source = { name: "values.yml", content: Buffer.from(sealed), now: undefined };
    const copy = current(
      "prod.yml",
      "db:\n  host: db.internal.example\n  port: 5432\n  name: app\n",
    );
    expect(findUnsealed([], [copy], undefined, [source]).map(({ copy }) => copy)).toEqual([true]);
    expect(unsealedCopies([source], [copy])).toEqual(["prod.yml:2:9 <- values.yml:2:9"]);
    // Only a line or two alike, placeholders in its place, or its tokens kept: no copy in clear.
    const other = current("other.yml", "db:\n  host: localhost\n  port: 5433\n  mode: dev\n");
    const twoTokens = {
      ...source,
      content: Buffer.from(`db:\n  pw: ${token("b")}\n${sealed.slice(4)}`),
    };
    // Its lines mostly alike, but not every line of tokens filled in: no copy.
    expect(unsealedCopies([twoTokens], [other])).toEqual([]);
    const placeholder = current("example.yml", sealed.replace(token("a"), "<host>"));
    const sealedCopy = current("copy.yml", sealed);
    expect(unsealedCopies([source], [other, placeholder, sealedCopy])).toEqual([]);
    // Nor is the file itself a copy of itself, nor a file held to its earlier version.
    expect(unsealedCopies([source], [current("values.yml", copy.content.toString())])).toEqual([]);
  });

  it("a file of tokens only (no other line): known by the text around its tokens", () => {
    // No line of text to repeat: a one-line .npmrc or password file rendered over its template
    // passed as no copy of anything.
    const npmrc = `//registry.npmjs.org/:_authToken=${token("a")}\n`;
    const short = `password: ${token("b")}\n`;
    const sources = [
      { name: "npmrc.s5", content: Buffer.from(npmrc), now: "npmrc.s5" },
      { name: "db.s5.yml", content: Buffer.from(short), now: "db.s5.yml" },
    ];
    const value = "npm_Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7c";
    const rendered = `//registry.npmjs.org/:_authToken=${value}\n`;
    // Tracked, its placeholder replaced: a copy, however short the text around.
    const copiesOf = (name: string, then: string, now: string) =>
      findUnsealed([earlier(name, then)], [current(name, now)], undefined, sources).map(
        ({ from, copy }) => `${from.file}:${from.line}:${from.column} ${copy}`,
      );
    expect(
      copiesOf(".npmrc", `//registry.npmjs.org/:_authToken=\${NPM_TOKEN}\n`, rendered),
    ).toEqual(["npmrc.s5:1:34 true"]);
    expect(copiesOf("db.yml", "password: changeme\n", "password: Vq8xLm2pR7tZ\n")).toEqual([
      "db.s5.yml:1:11 true",
    ]);
    // New: only with 16 characters or more around the tokens (`password: ` is in too many files).
    expect(unsealedCopies(sources, [current(".npmrc", rendered)])).toEqual([
      ".npmrc:1:34 <- npmrc.s5:1:34",
    ]);
    expect(unsealedCopies(sources, [current("db.yml", "password: Vq8xLm2pR7tZ\n")])).toEqual([]);
    // A file of one bare token has nothing around it: no line, flagged or not, is a copy of it.
    const bare = [{ name: "id.s5", content: Buffer.from(`${token("c")}\n`), now: "id.s5" }];
    const lock = (hash: string) => `"integrity": "sha512-${hash}"\n`;
    const then = lock("A".repeat(40));
    const now = lock("Zx9Qp2Lk7Wm4Rt8Yv1Nb6Hc3Jd5Fg0SaQw3Er5Ty7");
    expect(
      findUnsealed([earlier("lock.json", then)], [current("lock.json", now)], undefined, bare),
    ).toEqual([]);
    expect(
      unsealedCopies(bare, [current("new.txt", "Zx9Qp2Lk7Wm4Rt8Yv1Nb6Hc3Jd5Fg0Sa\n")]),
    ).toEqual([]);
  });

  it("a copy with most lines rendered and a token kept on the next line is still a copy", () => {
    // The pre-test before the line diff once took a token within 64 characters after a value
    // (the next short line's) for the token in the value's place: two values of three passed.
    const sealed = `a: ${token("a")}\nb: ${token("b")}\nc: ${token("c")}\nname: app\nport: 5432\n`;
    const source = { name: "v.yml", content: Buffer.from(sealed), now: "v.yml" };
    const copy = `a: s3cr3t-1\nb: s3cr3t-2\nc: ${token("c")}\nname: app\nport: 5432\n`;
    expect(unsealedCopies([source], [current("prod.yml", copy)])).toEqual([
      "prod.yml:1:4 <- v.yml:1:4",
      "prod.yml:2:4 <- v.yml:2:4",
    ]);
  });

  it("a new file whose lines of tokens mostly hold no value (a .env.example added with its .env) is no copy; rendered, it is", () => {
    const env = `SECRET_KEY=${token("a")}\nAPI_KEY=${token("b")}\nDB_PASSWORD=${token("c")}\nLOG_LEVEL=info\nPORT=8080\n`;
    const source = { name: ".env", content: Buffer.from(env), now: ".env" };
    // A placeholder, a blank and one sample value: one line of three holds a value.
    const example =
      "SECRET_KEY=changeme\nAPI_KEY=sk_test_xxx\nDB_PASSWORD=\nLOG_LEVEL=info\nPORT=8080\n";
    expect(unsealedCopies([source], [current(".env.example", example)])).toEqual([]);
    // Two of three hold one: a copy, each value reported.
    const two = example.replace("DB_PASSWORD=", "DB_PASSWORD=Pw7vB3nRq");
    expect(unsealedCopies([source], [current(".env.example", two)])).toEqual([
      ".env.example:2:9 <- .env:2:9",
      ".env.example:3:13 <- .env:3:13",
    ]);
    const rendered =
      "SECRET_KEY=k3y-Zx9kq2\nAPI_KEY=sk_live_4eC39\nDB_PASSWORD=Pw7vB3nRq\nLOG_LEVEL=info\nPORT=8080\n";
    expect(unsealedCopies([source], [current(".env.prod", rendered)])).toHaveLength(3);
  });

  it("a file that held no token, overwritten by a copy rendered: held to copies where a changed line may hold a secret, and only then are they asked for", () => {
    const sealed = `db:\n  password: ${token("a")}\n  host: ${token("b")}\n  port: 5432\n`;
    const source = { name: "values.yml", content: Buffer.from(sealed), now: undefined };
    const rendered = "db:\n  password: hunter\n  host: db.internal\n  port: 5432\n";
    let asked = 0;
    const held = (then: string, now: string) =>
      findUnsealed([earlier("config.yml", then)], [current("config.yml", now)], undefined, () => {
        asked++;
        return [source];
      }).map(({ offset, from, copy }) => {
        const at = current("config.yml", now).found.lines.locate(offset);
        return `${at.line}:${at.column} <- ${from.file}:${from.line}:${from.column}${copy ? " copy" : ""}`;
      });
    // A template of the same keys, or a file of other content: each value a copy's.
    const template = "db:\n  password: changeme\n  host: <host>\n  port: 5432\n";
    const copied = ["2:13 <- values.yml:2:13 copy", "3:9 <- values.yml:3:9 copy"];
    expect(held(template, rendered)).toEqual(copied);
    expect(held("title: notes\nitems: [one, two]\n", rendered)).toEqual(copied);
    // A value the earlier version held already was committed then: one line of two filled in
    // this change is an edit, not a render (which writes every value at once).
    expect(held(template.replace("<host>", "db.internal"), rendered)).toEqual([]);
    expect(asked).toBe(3); // once per call
    // A plaintext mirror of a .env of tokens (.env.example): a sample value edited is no copy;
    // the file rendered over it is.
    const env = {
      name: ".env",
      content: Buffer.from(
        `SECRET_KEY=${token("d")}\nAPI_KEY=${token("e")}\nDB_PASSWORD=${token("f")}\nLOG_LEVEL=info\nPORT=8080\n`,
      ),
      now: undefined,
    };
    const example =
      "SECRET_KEY=changeme\nAPI_KEY=sk_test_xxx\nDB_PASSWORD=\nLOG_LEVEL=info\nPORT=8080\n";
    const mirror = (now: string) =>
      findUnsealed([earlier(".env.example", example)], [current(".env.example", now)], undefined, [
        env,
      ]).length;
    expect(mirror(example.replace("changeme", "insecure-dev-key"))).toBe(0);
    expect(mirror(example.replace("sk_test_xxx", "sk_test_4eC39HqLyjWDarjtT1zdp7dc"))).toBe(0);
    expect(
      mirror(
        "SECRET_KEY=Zx9kq2Lm\nAPI_KEY=hunter-api\nDB_PASSWORD=Pw7vB3nR\nLOG_LEVEL=info\nPORT=8080\n",
      ),
    ).toBe(3);
    // A line of tokens the copy lost (dropped after the render, or never in the template): the
    // others' values are still a copy's; a new file so is not (it may merely share lines).
    const threeTokens = {
      ...source,
      content: Buffer.from(`${sealed}api:\n  timeout: 30\n  key: ${token("c")}\n`),
    };
    const trimmed = `${rendered}api:\n  timeout: 30\n`;
    expect(
      findUnsealed([earlier("config.yml", template)], [current("config.yml", trimmed)], undefined, [
        threeTokens,
      ]).map(({ from }) => `${from.line}:${from.column}`),
    ).toEqual(["2:13", "3:9"]);
    expect(unsealedCopies([threeTokens], [current("new.yml", trimmed)])).toEqual([]);
    // Most of them lost: no copy (half, of a file of two: staged-render.test.ts's other.yml).
    const oneOfThree = "db:\n  password: hunter\n  port: 5432\napi:\n  timeout: 30\n";
    expect(
      findUnsealed(
        [earlier("config.yml", template)],
        [current("config.yml", oneOfThree)],
        undefined,
        [threeTokens],
      ),
    ).toEqual([]);
    // Under a bland key, where the template had a placeholder: still a copy.
    const hostOnly = {
      ...source,
      content: Buffer.from(`db:\n  host: ${token("b")}\n  port: 5432\n`),
    };
    expect(
      findUnsealed(
        [earlier("config.yml", "db:\n  host: <host>\n  port: 5432\n")],
        [current("config.yml", "db:\n  host: db.internal\n  port: 5432\n")],
        undefined,
        [hostOnly],
      ).length,
    ).toBe(1);
    // An ordinary edit, a value sealed, a line marked s5:ignore: the copies are never asked for.
    expect(held("timeout: 30\nlog: info\n", "timeout: 60\nlog: debug\n")).toEqual([]);
    expect(held(template, template.replace("changeme", token("c")))).toEqual([]);
    expect(held(template, template.replace("changeme", "hunter # s5:ignore"))).toEqual([]);
    expect(asked).toBe(3);
    expect(mayBeRendered("a: 1\n", "a: 1\napi_key: plain\n")).toBe(true);
    expect(mayBeRendered("a: 1\n", "a: 1\nurl: https://u:Zx9kq2Lm@db.internal/x\n")).toBe(true);
    expect(mayBeRendered("port: <port>\n", "port: 5432\n")).toBe(true);
    expect(mayBeRendered("port: 5431\n", "port: 5432\n")).toBe(false);
    expect(mayBeRendered("password: x\n", "password: x\n")).toBe(false);
  });

  it("a token alone on its line; a file renamed and rendered (no earlier name now) is held to the files gone", () => {
    const then = `-----\n${token("a")}\n-----\n`;
    expect(
      unsealed([earlier("key.pem", then)], [current("key.pem", "-----\nMIIEvQ\n-----\n")]),
    ).toEqual(["key.pem:2:1 <- key.pem:2:1"]);
    expect(
      unsealed(
        [{ name: "old.yml", content: Buffer.from(`a: 1\npw: ${token("a")}\n`), now: undefined }],
        [current("new.yml", "a: 1\npw: hunter2\n"), current("other.yml", "b: 2\n")],
      ),
    ).toEqual(["new.yml:2:5 <- old.yml:2:5"]);
  });
});

describe("changedLines: what mayBeRendered reads of a large file", () => {
  it("the whole lines between those both start and end with", () => {
    const line = fc.constantFrom(
      "a: 1",
      "b: 2",
      "password: x",
      "",
      "c: 3\r",
      "longer line of text",
    );
    const lines = fc.array(line, { maxLength: 12 });
    fc.assert(
      fc.property(lines, lines, lines, lines, fc.boolean(), (head, was, is, tail, end) => {
        const then = [...head, ...was, ...tail].join("\n") + (end ? "\n" : "");
        const now = [...head, ...is, ...tail].join("\n") + (end ? "\n" : "");
        const [a, b] = changedLines(then, now);
        // then = P + a + S and now = P + b + S, P whole lines (S shared): some P fits.
        const fits = (p: number) =>
          (p === 0 || then[p - 1] === "\n") &&
          then.slice(0, p) === now.slice(0, p) &&
          then.slice(p, p + a.length) === a &&
          now.slice(p, p + b.length) === b &&
          then.slice(p + a.length) === now.slice(p + b.length);
        expect(Array.from({ length: then.length + 1 }, (_, p) => p).some(fits)).toBe(true);
        // Every line of now that then does not hold is among b's.
        const thenSet = new Set(then.split("\n"));
        const bSet = new Set(b.split("\n"));
        for (const text of now.split("\n")) {
          if (!thenSet.has(text)) expect(bSet.has(text), text).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
    // One line changed in a large file: that line alone.
    const big = Array.from({ length: 1000 }, (_, i) => `line ${i}`).join("\n");
    expect(changedLines(big, big.replace("line 500", "password: x"))).toEqual([
      "line 500",
      "password: x",
    ]);
    expect(changedLines("a\nb\n", "a\nb\n")).toEqual(["", ""]);
    // A file that starts with a line break (fast-check found it: lastIndexOf from -1 finds 0).
    expect(changedLines("\n", "a: 1\n")).toEqual(["", "a: 1"]);
    expect(changedLines("a\nb", "a\nbc")).toEqual(["b", "bc"]);
    expect(changedLines("x: 1\n", "y: 2\nx: 1\n")).toEqual(["", "y: 2\n"]);
  });
});
