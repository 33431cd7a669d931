// The programmatic API, from the built package (its worker is built into dist), with AES tokens.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatToken } from "@s5/core";
import { createAesBackend } from "@s5/core/internal";
import { config, decrypt, decryptSync, LoaderError, load } from "@s5/loader";
import { beforeAll, describe, expect, it } from "vitest";

const KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

describe("@s5/loader API", () => {
  let dir: string;
  let tokens: string[];

  beforeAll(async () => {
    const aes = createAesBackend({ key: KEY });
    tokens = (await aes.encrypt([Buffer.from("first-secret"), Buffer.from("second-secret")])).map(
      (body) => formatToken(body),
    );
    dir = mkdtempSync(join(tmpdir(), "s5-loader-api-"));
    writeFileSync(join(dir, ".env"), `ONE=${tokens[0]}\nTWO=x-${tokens[1]}\nPLAIN=p\n`);
  });

  it("config() writes only into the given processEnv, synchronously", () => {
    const target: Record<string, string | undefined> = { S5_AES_KEY: KEY, PLAIN: "kept" };
    const result = config({ cwd: dir, processEnv: target });
    expect(target).toEqual({
      S5_AES_KEY: KEY,
      ONE: "first-secret",
      TWO: "x-second-secret",
      PLAIN: "kept",
    });
    expect(result).toEqual({
      parsed: { ONE: "first-secret", TWO: "x-second-secret" },
      files: [".env"],
      decrypted: ["ONE", "TWO"],
    });
  });

  it("load() does the same asynchronously; a key in the .env file itself is not used", async () => {
    writeFileSync(join(dir, "keyed.env"), `S5_AES_KEY=${KEY}\nONE=${tokens[0]}\n`);
    const target: Record<string, string | undefined> = {};
    await expect(load({ cwd: dir, path: "keyed.env", processEnv: target })).rejects.toThrow(/ONE/);
    expect(target).toEqual({});
    const keyed: Record<string, string | undefined> = { S5_AES_KEY: KEY };
    await load({ cwd: dir, path: "keyed.env", processEnv: keyed });
    expect(keyed).toEqual({ S5_AES_KEY: KEY, ONE: "first-secret" });
  });

  it("decrypt() and decryptSync() return a copy of a plain object with tokens decrypted", async () => {
    const input = { A: tokens[0]!, B: "plain", C: undefined };
    const env = { S5_AES_KEY: KEY };
    expect(await decrypt(input, { env })).toEqual({ A: "first-secret", B: "plain", C: undefined });
    expect(decryptSync(input, { env })).toEqual({ A: "first-secret", B: "plain", C: undefined });
    expect(input.A).toBe(tokens[0]);
  });

  it("all or nothing: a LoaderError names the variables and the reason, and nothing is written", () => {
    const target: Record<string, string | undefined> = { S5_AES_KEY: "ff".repeat(32) };
    let error: unknown;
    try {
      config({ cwd: dir, processEnv: target });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LoaderError);
    const failure = error as LoaderError;
    expect(failure.variables.map((variable) => [variable.name, variable.where])).toEqual([
      ["ONE", ".env:1:5"],
      ["TWO", ".env:2:7"],
    ]);
    expect(failure.exitCode).toBe(6);
    const text = failure.describe();
    expect(text).toContain(
      "2 variables could not be decrypted:\n  ONE (.env:1:5), TWO (.env:2:7): ",
    );
    expect(text).not.toContain("secret");
    expect(Object.keys(target)).toEqual(["S5_AES_KEY"]);
  });

  it("all or nothing with every failure at once: a variable that cannot be set as read and a token that does not open", () => {
    writeFileSync(
      join(dir, "mixed.env"),
      `QUOTED="${tokens[0]}\nRAW=a\0b\nONE=${tokens[0]}\nPLAIN=p\n`,
    );
    const target: Record<string, string | undefined> = { S5_AES_KEY: "ff".repeat(32) };
    let error: unknown;
    try {
      config({ cwd: dir, path: "mixed.env", processEnv: target });
    } catch (caught) {
      error = caught;
    }
    const failure = error as LoaderError;
    expect(failure).toBeInstanceOf(LoaderError);
    expect(
      failure.variables.map((variable) => [variable.name, variable.where, variable.code]),
    ).toEqual([
      ["QUOTED", "mixed.env:1:8", "S5_INPUT_QUOTE"],
      ["RAW", "mixed.env:2:6", "S5_INPUT"],
      ["ONE", "mixed.env:3:5", "S5_DECRYPT_AES"],
    ]);
    // The first failure's class decides: 3, a variable that cannot be set as read.
    expect(failure.exitCode).toBe(3);
    expect(failure.code).toBe("S5_INPUT_QUOTE");
    expect(failure.describe()).toMatch(/^3 variables could not be set:\n/);
    expect(Object.keys(target)).toEqual(["S5_AES_KEY"]);
  });

  it("decryptSync() of a plain object names the failing keys", () => {
    expect(() => decryptSync({ A: tokens[0]! }, { env: { S5_AES_KEY: "ee".repeat(32) } })).toThrow(
      "the variable A could not be decrypted",
    );
    try {
      decryptSync({ A: tokens[0]! }, { env: {} });
    } catch (error) {
      expect((error as LoaderError).describe()).toMatch(
        /^the variable A could not be decrypted:\n {2}A \(given value\): the AES backend needs a key/,
      );
    }
  });
});
