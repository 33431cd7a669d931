/**
 * A code frame drawn from a module's source as it was before s5 wrote values into it (tokens, no
 * plaintexts), in Rollup's layout. It replaces the frame of an error about a decrypted module:
 * that frame quotes the values, and a bundler cuts long lines (`…` after 120 columns), so a cut
 * value matches no whole form for the redactor to find.
 */
import { TOKEN_HINT } from "@s5/core";

const MAX_LINE = 120;

export interface Source {
  code: string;
  /** Whether the decrypted module has the same lines (no value spans lines): a frame's line fits. */
  sameLines: boolean;
}

const lineCount = (text: string) => {
  let count = 1;
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) count++;
  return count;
};

export function sourceOf(original: string, decrypted: string): Source {
  return { code: original, sameLines: lineCount(original) === lineCount(decrypted) };
}

/**
 * Lines `line - 2` to `line + 2` of the source. The caret is drawn only under a line without a
 * token, which reads the same decrypted (a token and its value differ in length). `undefined`
 * when the frame's line numbers cannot be trusted.
 */
export function originalFrame(
  source: Source,
  line: number,
  column: number | undefined,
): string | undefined {
  const lines = source.code.split(/\r?\n/);
  if (!source.sameLines || !Number.isInteger(line) || line < 1 || line > lines.length) {
    return undefined;
  }
  const first = Math.max(line - 3, 0);
  let last = Math.min(line + 2, lines.length);
  while (last > line && lines[last - 1]!.trim() === "") last--;
  const digits = String(last).length;
  const out: string[] = [];
  for (let index = first; index < last; index++) {
    const text = lines[index]!.replace(/\t/g, "  ");
    const shown = text.length > MAX_LINE ? `${text.slice(0, MAX_LINE - 1)}…` : text;
    out.push(`${String(index + 1).padStart(digits)}: ${shown}`);
    if (index + 1 === line && column !== undefined && column >= 0 && !TOKEN_HINT.test(text)) {
      const at = lines[index]!.slice(0, column).replace(/\t/g, "  ").length;
      out.push(`${" ".repeat(digits + 2 + Math.min(at, MAX_LINE))}^`);
    }
  }
  return out.join("\n");
}
