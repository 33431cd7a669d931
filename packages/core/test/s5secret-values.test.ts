// Which tokens an s5 controller decrypts one by one (an S5Secret's spec.data and spec.stringData
// values), told from the text: only the shape `s5 k8s wrap` writes; anything else is not told, so
// its tokens keep the YAML rules.
import { describe, expect, it } from "vitest";
import { controllerValues } from "../src/context/s5secret.ts";

const T = "{{ s5:aes:v1:AAAA }}";
const HEAD = "apiVersion: s5.dev/v1alpha1\nkind: S5Secret\n";

/** The flags of the tokens (`@`) in `text`. */
function told(text: string): boolean[] {
  const tokens: { start: number; end: number }[] = [];
  let content = "";
  for (const [i, part] of text.split("@").entries()) {
    if (i > 0) {
      tokens.push({ start: content.length, end: content.length + T.length });
      content += T;
    }
    content += part;
  }
  return controllerValues(content, tokens) ?? tokens.map(() => false);
}

describe("controllerValues", () => {
  it("tells the values of spec.data and spec.stringData, quoted on one line", () => {
    expect(
      told(
        `# web\n${HEAD}metadata:\n  name: web # @\n  labels:\n    app: web\nspec:\n  type: kubernetes.io/tls\n  data:\n    bin: "@"\n  stringData:\n    tls.key: "@" # the key\n    .dockerconfigjson: 'x@y'\n    url: "a\\"b@c"\n`,
      ),
    ).toEqual([false, true, true, true, true]);
    expect(
      told(`${HEAD.replaceAll("\n", "\r\n")}spec:\r\n  stringData:\r\n    a: "@"\r\n`),
    ).toEqual([true]);
    expect(told(`---\n${HEAD}spec:\n  stringData:\n    a: "@"\n--- # next\na: "@"\n`)).toEqual([
      true,
      false,
    ]);
  });

  it("tells none in a document of another shape", () => {
    const value = 'spec:\n  stringData:\n    a: "@"\n';
    for (const text of [
      `${HEAD}spec:\n  stringData:\n    a: @\n`, // plain: a flow map to YAML
      `${HEAD}spec:\n  stringData:\n    a: "x\n      @"\n`, // over two lines
      `${HEAD}spec:\n  stringData:\n    a: "x"\n      "@"\n`, // a continuation line
      `${HEAD}spec:\n  stringData:\n    a: x\n    b: "@"\n    c: |\n      z\n    d: *ref\n`,
      `${HEAD}spec:\n  stringData:\n    "a": "@"\n`, // a quoted key
      `${HEAD}spec:\n  stringData:\n   a: x\n    b: "@"\n`, // between two levels
      `${HEAD}spec:\n  stringData:\n    @: "@"\n`, // a token in a key
      `${HEAD}spec:\n  stringData:\n    a: "@" x\n`, // text after the string
      `${HEAD}spec:\n  stringData:\n    a: "@\\\n"\n`, // an escaped line break
      `${HEAD}metadata:\n  name: a\u2028spec:\n${value}`, // a line break of YAML 1.1
      `${HEAD}metadata:\n  name: a\xe2\x80\xa8x\n${value}`, // the same, bytes viewed as latin1
      `${HEAD}...\n${value}`,
      `--- !tag\n${HEAD}${value}`,
      `\ufeff${HEAD}${value}`,
      `apiVersion: s5.dev/v1alpha1 # kind: S5Secret\n${value}`,
      `${HEAD}spec:\n  - stringData:\n    a: "@"\n`,
      `${HEAD}spec:\n  stringData:\n    a: "@"\n    a: "x"\n`, // a duplicate key
      `apiVersion: s5.dev/v1alpha1\nkind: S5Secret extra\n${value}`,
      `apiVersion: 's5.dev/v1alpha1'\nkind: S5Secret\n${value}`,
    ]) {
      expect(told(text).includes(true), JSON.stringify(text)).toBe(false);
    }
  });
});
