import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { resolveSettings } from "../src/config.ts";
import type * as errors from "../src/errors.ts";
import {
  ConfigError,
  ExitCode,
  S5Error,
  stackFrames,
  toS5Error,
  UsageError,
} from "../src/errors.ts";
import { readVaultConfig } from "../src/vault/config.ts";

describe("stackFrames (S5_DEBUG)", () => {
  it("shows where an unexpected error came from, never its message or causes", () => {
    const error = new SyntaxError("Unexpected token in JSON at 'hunter2-secret'", {
      cause: new Error("cause with hunter2-secret"),
    });
    const shown = stackFrames(error);
    expect(shown).not.toContain("hunter2");
    expect(shown.split("\n")[0]).toBe("SyntaxError (message not shown)");
    expect(shown).toMatch(/\n\s+at /);
    expect(stackFrames("a string hunter2")).toBe("thrown: string");
  });
});

describe("ConfigError exit codes", () => {
  it("wrong configuration exits 12; missing setup (no backend, VAULT_ADDR or mount) exits 7", () => {
    expect(ExitCode.config).toBe(12);
    for (const [code, message] of [
      ["S5_CONFIG_PARSE", "the project config /p/.s5.json is not valid JSON"],
      ["S5_CONFIG_INVALID", "unknown key `backnd` in the project config /p/.s5.json"],
      ["S5_CONFIG_VALUE", "S5_VAULT_BATCH_SIZE must be a whole number ≥ 1"],
      ["S5_CONFIG_VAULT_NAME", "invalid transit key (not shown)"],
      ["S5_CONFIG_VAULT_TLS", "VAULT_CACERT (/ca.der) holds no PEM certificate"],
      ["S5_CONFIG_VAULT_ADDR", "VAULT_ADDR is not an http(s) URL: ftp://x"],
      ["S5_CONFIG_VAULT_ADDR", "VAULT_ADDR is http://x, but the server there speaks TLS"],
      ["S5_CONFIG_VAULT_NAMESPACE", "Vault at http://x has no such namespace"],
    ] as const) {
      expect(new ConfigError(code, message).exitCode, message).toBe(12);
    }
    expect(new ConfigError("S5_CONFIG_NO_BACKEND", "no backend is set up here").exitCode).toBe(7);
    const settings = resolveSettings({ cwd: tmpdir(), env: {} });
    expect(() => readVaultConfig(settings)).toThrow(
      expect.objectContaining({ code: "S5_CONFIG_VAULT_ADDR", exitCode: 7 }),
    );
    expect(new ConfigError("S5_CONFIG_VAULT_MOUNT", "no transit engine at `x/`").exitCode).toBe(7);
    expect(new ConfigError("S5_CONFIG_X", "nothing here", { missing: true }).exitCode).toBe(7);
    expect(new ConfigError("S5_CONFIG_NO_BACKEND", "x", { missing: false }).exitCode).toBe(12);
  });
});

describe("S5Error across copies of core", () => {
  it("recognises another copy's errors as S5Error, and keeps subclasses apart", async () => {
    // A second instance of the same source, as the CLI's engine and a package it loads each hold.
    // @ts-expect-error: TypeScript knows no module with a query; vite loads it as a new instance.
    const other = (await import("../src/errors.ts?copy")) as typeof errors;
    expect(other.S5Error).not.toBe(S5Error);
    const foreign = new other.UsageError("unknown command", { hint: "see --help" });
    expect(foreign instanceof S5Error).toBe(true);
    expect(toS5Error(foreign)).toBe(foreign);
    expect(foreign instanceof UsageError).toBe(false);
    expect(new UsageError("x") instanceof UsageError).toBe(true);
    expect(new UsageError("x") instanceof ConfigError).toBe(false);
    expect(new ConfigError("S5_CONFIG_X", "x") instanceof S5Error).toBe(true);
    const lookalike = Object.assign(new Error("x"), { code: "S5_USAGE", exitCode: 2 });
    expect(lookalike instanceof S5Error).toBe(false);
    expect(toS5Error(lookalike).code).toBe("S5_INTERNAL");
    expect((null as unknown) instanceof S5Error).toBe(false);
  });
});

describe("toS5Error of a path s5 could not use", () => {
  const thrown = (use: () => unknown) => {
    try {
      use();
    } catch (error) {
      return toS5Error(error);
    }
    throw new Error("did not throw");
  };

  it("names the path and says what to do, by the error's code", () => {
    const gone = thrown(() => readFileSync("/nonexistent-s5/x.yml"));
    expect(gone.code).toBe("S5_INPUT");
    expect(gone.message).toBe("cannot access /nonexistent-s5/x.yml: ENOENT");
    expect(gone.hint).toMatch(
      /removed or renamed while s5 ran, or a link on the way leads nowhere/,
    );
    expect(thrown(() => readFileSync(tmpdir())).hint).toBe("name a file, not a directory");
    const denied = Object.assign(new Error("EACCES: permission denied, scandir '/proc/1/fdinfo'"), {
      code: "EACCES",
      path: "/proc/1/fdinfo",
    });
    expect(toS5Error(denied).message).toBe("cannot access /proc/1/fdinfo: EACCES");
    expect(toS5Error(denied).hint).toMatch(/name only the files and directories to use/);
  });
});
