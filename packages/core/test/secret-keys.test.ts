import { describe, expect, it } from "vitest";
import { findSecretKeys } from "../src/secrets.ts";

const KEY = `S5-SECRET-KEY-${"aB3_-".repeat(8)}xyz`;

describe("findSecretKeys", () => {
  it("finds each s5 secret key by its byte offset, in any file", () => {
    expect(KEY).toHaveLength(14 + 43);
    expect(findSecretKeys(Buffer.from("a: 1\n"))).toEqual([]);
    expect(findSecretKeys(Buffer.from(KEY))).toEqual([0]);
    const text = `# é\nS5_PRIVATE_KEY=${KEY}\nother=${KEY}\n`;
    const bytes = Buffer.from(text);
    expect(findSecretKeys(bytes)).toEqual([
      bytes.indexOf("S5-SECRET"),
      bytes.lastIndexOf("S5-SECRET"),
    ]);
    // A view into a larger buffer: offsets are the view's own.
    const padded = Buffer.concat([Buffer.from("xxxx"), bytes]).subarray(4);
    expect(findSecretKeys(padded)).toEqual(findSecretKeys(bytes));
  });

  it("leaves out a line marked s5:ignore, and what is no key (a body of another length)", () => {
    expect(findSecretKeys(Buffer.from(`${KEY} # s5:ignore\n${KEY}\n`))).toEqual([
      KEY.length + " # s5:ignore\n".length,
    ]);
    expect(findSecretKeys(Buffer.from(`# s5:ignore\n${KEY}`))).toEqual([12]);
    expect(findSecretKeys(Buffer.from(`${KEY}A`))).toEqual([]);
    expect(findSecretKeys(Buffer.from(KEY.slice(0, -1)))).toEqual([]);
    expect(findSecretKeys(Buffer.from("S5-SECRET-KEY-… (from s5 keys generate)"))).toEqual([]);
  });
});
