// Line and column in messages, as an editor shows them: VS Code and vim (and YAML, dotenv) end a
// line at a carriage return alone, and a byte-order mark is no column. render, check and seal
// locate through core's one line index, so they agree.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sandbox } from "./run.ts";

const env = { S5_AES_KEY: "44".repeat(32), S5_BACKEND: "aes" };

describe("file:line:col in messages", () => {
  it("counts a lone CR as a line end and no column for a byte-order mark, in render, check and seal", async () => {
    const box = sandbox();
    const token = (await box.s5(["cipher", "x\nb: evil"], { env })).stdout.toString().trim();
    const files: Record<string, [string, string]> = {
      // name: [text before the token or marker on its line, where an editor puts it]
      "mac.yml": ["z: 1\rq: 2\ra: ", "3:4"],
      "mixed.yml": ["z: 1\r\nq: 2\ra: ", "3:4"],
      "bom.yml": ["\ufeffa:  ", "1:5"],
      "bom-mac.yml": ["\ufeffz: 1\rq: ", "2:4"],
    };
    for (const [name, [before]] of Object.entries(files)) {
      writeFileSync(join(box.dir, name), `${before}${token}\r`);
      writeFileSync(join(box.dir, `marker-${name}`), `${before}{{ s5 seal x }}\r`);
    }
    for (const [name, [, place]] of Object.entries(files)) {
      const render = await box.s5(["render", name], { env });
      expect(render.code).toBe(5);
      expect(render.stderr).toContain(`${name}:${place}: this token's plaintext would break out`);
      const check = await box.s5(["check", `marker-${name}`], { env });
      expect(check.code).toBe(10);
      expect(check.stdout.toString()).toContain(`marker-${name}:${place}: written like a seal`);
      const seal = await box.s5(["seal", `marker-${name}`], { env });
      expect(seal.code).not.toBe(0);
      expect(seal.stderr).toContain(`marker-${name}:${place}: neither a seal marker nor a token`);
    }
  });
});
