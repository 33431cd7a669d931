import { describe, expect, it } from "vitest";
import { closest, editDistance } from "../src/suggest.ts";

describe("closest", () => {
  it("finds typos of real names and nothing for other words", () => {
    const flags = ["--transit-key", "--transit-mount", "--key", "--in-place", "-k", "-i"];
    expect(closest("--transit-ky", flags)).toBe("--transit-key");
    expect(closest("--in-plcae", flags)).toBe("--in-place");
    expect(closest("--KEY", flags)).toBe("--key");
    expect(closest("-K", flags)).toBe("-k");
    expect(closest("-X", flags)).toBeUndefined();
    expect(closest("--Sup3rS3cretPw", flags)).toBeUndefined();
    expect(closest("rendr", ["render", "rewrap", "run"])).toBe("render");
  });

  it("counts swaps of neighbours as one edit and stops early", () => {
    expect(editDistance("remvoe", "remove")).toBe(1);
    expect(editDistance("abc", "abc")).toBe(0);
    expect(editDistance("a", "abcdefgh", 3)).toBe(4);
  });
});
