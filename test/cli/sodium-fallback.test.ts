// Local keys without sodium-native: the JavaScript libsodium makes and opens the same tokens, chosen
// with S5_SODIUM=js or by itself when sodium-native cannot be loaded (here: a resolve hook that
// hides the package, as on a platform where it is not installed).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { localProject, type Project, printVars, s5Bin } from "../loader/helpers.ts";

const HIDE_SODIUM = `import { registerHooks } from "node:module";
registerHooks({
  resolve(specifier, context, next) {
    if (specifier === "sodium-native" || specifier.startsWith("sodium-native/")) {
      const error = new Error("Cannot find module '" + specifier + "' (hidden by the test)");
      error.code = "MODULE_NOT_FOUND";
      throw error;
    }
    return next(specifier, context);
  },
});
`;

describe("local keys on the JavaScript libsodium", () => {
  let project: Project;
  let hook: string;
  const withoutNative = (args: string[], extra: Record<string, string> = {}) =>
    project.node(["--import", hook, s5Bin, ...args], extra);

  beforeAll(async () => {
    project = await localProject();
    hook = join(project.dir, "..", "hide-sodium.mjs");
    writeFileSync(hook, HIDE_SODIUM);
  });

  it("tokens sealed natively open with S5_SODIUM=js, and the other way round", async () => {
    const native = (await project.s5(["cipher", "sealed natively"])).stdout;
    const js = (await project.s5(["cipher", "sealed in JavaScript"], { S5_SODIUM: "js" })).stdout;
    expect(js).toMatch(/^\{\{ s5:local:[\w-]{8}:[\w-]+ \}\}$/);
    project.write({ "both.yml": `a: ${native}\nb: ${js}\n` });
    const expected = "a: sealed natively\nb: sealed in JavaScript\n";
    for (const choice of ["native", "js"]) {
      const out = await project.s5(["render", "both.yml"], { S5_SODIUM: choice });
      expect(out.stderr).toBe("");
      expect(out.stdout).toBe(expected);
    }
  });

  it("keys made in JavaScript (identity, CI key, rotation) work natively", async () => {
    const generated = await project.s5(["keys", "generate"], { S5_SODIUM: "js" });
    expect(generated.code, generated.stderr).toBe(0);
    const ciSecret = generated.stdout.trim();
    const ciPublic = /public key: (s5pk-\S+)/.exec(generated.stderr)![1]!;
    expect((await project.s5(["keys", "add", "ci", ciPublic], { S5_SODIUM: "js" })).code).toBe(0);
    expect((await project.s5(["keys", "rotate"], { S5_SODIUM: "js" })).code).toBe(0);
    const token = (await project.s5(["cipher", "after rotation"], { S5_SODIUM: "js" })).stdout;
    const ci = { S5_PRIVATE_KEY: ciSecret, HOME: "/nonexistent", XDG_CONFIG_HOME: "/nonexistent" };
    const out = await project.s5(["decipher", token], ci);
    expect(out.stderr).toBe("");
    expect(out.stdout).toBe("after rotation");
  });

  it("falls back by itself when sodium-native cannot be loaded; S5_SODIUM=native then says why", async () => {
    const token = (await project.s5(["cipher", "made with sodium-native"])).stdout;
    const opened = await withoutNative(["decipher", token]);
    expect(opened.stderr).toBe("");
    expect(opened.stdout).toBe("made with sodium-native");
    const sealed = (await withoutNative(["cipher", "made without it"])).stdout;
    expect((await project.s5(["decipher", sealed])).stdout).toBe("made without it");

    const forced = await withoutNative(["decipher", token], { S5_SODIUM: "native" });
    expect(forced.code).toBe(7);
    expect(forced.stderr).toContain(
      "sodium-native cannot be loaded here (S5_CONFIG_SODIUM_NATIVE)",
    );
    expect(forced.stderr).not.toContain("made with sodium-native");
    const wrong = await project.s5(["decipher", token], { S5_SODIUM: "wasm" });
    expect(wrong.code).toBe(12);
    expect(wrong.stderr).toContain("S5_SODIUM must be `native` or `js` (S5_CONFIG_SODIUM)");
  });

  it('import "s5/config" decrypts local-key tokens without sodium-native', async () => {
    const [token] = await project.encrypt(["loader value"]);
    project.write({
      ".env": `SECRET=${token}\n`,
      "app.mjs": `import "s5/config";\n${printVars(["SECRET"])}\n`,
    });
    for (const args of [["app.mjs"], ["--import", hook, "app.mjs"]]) {
      const out = await project.node(args, args.length === 1 ? { S5_SODIUM: "js" } : {});
      expect(out.stderr).toBe("");
      expect(JSON.parse(out.stdout)).toEqual({ SECRET: "loader value" });
    }
  });
});
