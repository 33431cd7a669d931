/** The error redactor: every form of every value hidden, colour codes kept, cut lines covered. */
import { describe, expect, it } from "vitest";
import { createRedactor, HIDDEN } from "../src/core/redact.ts";

const VALUE = `sk_live_${"0123456789abcdef".repeat(8)}`;
/** Long enough that a regular expression with a colour group after each character overflowed V8. */
const CERT = `MIIC${"Zq9/".repeat(1750)}`;

function redactor(...values: string[]) {
  const made = createRedactor();
  made.add(values);
  return made;
}

describe("createRedactor", () => {
  it("hides a value added after an earlier search (forms are worked out when an error is searched)", () => {
    const made = redactor(VALUE);
    const other = `pk_${"9876543210".repeat(4)}`;
    expect(made.text(`a ${VALUE} b ${other}`)).toBe(`a ${HIDDEN} b ${other}`);
    made.add([other, "ab"]);
    expect(made.text(`a ${VALUE} b ${other} ab`)).toBe(`a ${HIDDEN} b ${HIDDEN} ab`);
    const error = { message: `bad ${Buffer.from(other).toString("base64")}` };
    expect(made.error(error)).toBe(true);
    expect(error.message).toBe(`bad ${HIDDEN}`);
    expect(redactor("ab").error({ message: "ab" })).toBe(false);
  });

  it("takes 200,000 values in one call, and each value once however often a watch build adds it", () => {
    const made = createRedactor();
    const many = Array.from({ length: 200_000 }, (_, i) => `value-${i}-secret`);
    made.add(many);
    for (let i = 0; i < 50; i++) made.add(many.slice(0, 1000));
    expect(made.text(`a ${many[199_999]} b ${many[7]}`)).toBe(`a ${HIDDEN} b ${HIDDEN}`);
  });

  it("hides a 7,000-character value coloured one character at a time, keeping the colour codes after the marker", () => {
    const coloured = [...`x = "${CERT}";`].map((c) => `\x1b[33m${c}\x1b[39m`).join("");
    const out = redactor(VALUE, CERT).text(coloured);
    expect(out.replace(/\x1b\[[0-9;]*m/g, "")).toBe(`x = "${HIDDEN}";`);
    expect(out).toContain(`"\x1b[39m\x1b[33m${HIDDEN}\x1b[39m\x1b[33m`);
  });

  it("hides the start of a value cut by Rollup (`…`) and the end of one cut by Vite (`...`)", () => {
    const hide = redactor(VALUE).text;
    expect(hide(`1: const k = "${VALUE.slice(0, 40)}…`)).toBe(`1: const k = "${HIDDEN}…`);
    expect(hide(`1  |  ...${VALUE.slice(-50)}"; const b = 1;`)).toBe(
      `1  |  ...${HIDDEN}"; const b = 1;`,
    );
    expect(hide(`...${VALUE.slice(30, 60)}...`)).not.toContain(VALUE.slice(30, 60));
  });

  it("hides a piece cut on both sides (`...piece...`) from 8 characters, and leaves shorter pieces and other text", () => {
    const hide = redactor(VALUE).text;
    expect(hide(`1  |  ...${VALUE.slice(30, 60)}...`)).toBe(`1  |  ...${HIDDEN}...`);
    expect(hide(`at …${VALUE.slice(20, 28)}… and`)).toBe(`at …${HIDDEN}… and`);
    expect(hide(`a …${VALUE.slice(20, 27)}… b`)).toBe(`a …${VALUE.slice(20, 27)}… b`);
    expect(hide("see ...node_modules/vite... for details")).toBe(
      "see ...node_modules/vite... for details",
    );
  });

  it("hides every form (JSON, base64) in nested errors, and leaves short values and other text alone", () => {
    const made = redactor('pa"ss/word-1', "ab", CERT);
    const cause = { message: `base64: ${Buffer.from('pa"ss/word-1').toString("base64")}` };
    const error = Object.assign(new Error('bad "pa\\"ss/word-1" near ab'), { cause });
    expect(made.error(error)).toBe(true);
    expect(error.message).toBe(`bad "${HIDDEN}" near ab`);
    expect(cause.message).toBe(`base64: ${HIDDEN}`);
    expect(made.error(new Error("nothing here"))).toBe(false);
  });

  it("a field that cannot be read is skipped, and the rest is still redacted", () => {
    const error = { message: `x ${VALUE}` } as Record<string, unknown>;
    Object.defineProperty(error, "frame", {
      get() {
        throw new Error("no");
      },
    });
    expect(redactor(VALUE).error(error)).toBe(true);
    expect(error.message).toBe(`x ${HIDDEN}`);
  });
});
