import { describe, expect, it } from "vitest";
import { stackFrames } from "../src/errors.ts";

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
