/**
 * Tokens moved since a commit, for `s5 check --base REF`: a token taken from one place to another
 * (the production password into a ConfigMap or a variable a test prints, two environments' tokens
 * swapped) decrypts at its new place to its old place's value, and a reviewer of opaque tokens
 * sees only a changed token. Core finds them (`findMovedTokens`); this reads the earlier files
 * from git and reports each as a warning on the token's line now, naming where it stood.
 */
import { resolve } from "node:path";
import type { BackendName } from "@s5/core";
import { type FoundTokens, formatLocation } from "@s5/core";
import { findMovedTokens, showable } from "@s5/core/internal";
import { ignoredLine } from "./copies.ts";
import { baseFiles } from "./git-base.ts";
import type { Problem } from "./sarif.ts";

/** A checked file with its tokens (check.ts's `Checked`). */
interface Source {
  file: string;
  found: FoundTokens;
  content: Buffer;
}

/** One warning (S5_CHECK_MOVED) per token of `sources` that stood elsewhere at `ref`. */
export function findMoves(
  sources: readonly Source[],
  ref: string,
  staged: boolean,
  goToolBackend: BackendName | undefined,
): Problem[] {
  const { earlier, changed } = baseFiles(ref, staged);
  const current = sources
    .filter(({ file }) => changed.has(resolve(file)))
    .map(({ file, found, content }) => ({ name: resolve(file), content, found, file }));
  const problems: Problem[] = [];
  const seen = new Map<string, Map<number, boolean>>();
  for (const { file, token, from } of findMovedTokens(earlier, current, goToolBackend)) {
    const source = current[file]!;
    const location = source.found.lines.locate(token.start);
    let lines = seen.get(source.file);
    if (!lines) {
      lines = new Map();
      seen.set(source.file, lines);
    }
    if (ignoredLine(source.content, token.start, location.line, lines)) continue;
    problems.push({
      location,
      message: `this token stood at ${formatLocation(from)} at ${showable(ref)}: moved, it decrypts here to the value it had there, which a review of tokens cannot see; if the move is meant, mark the line s5:ignore`,
      code: "S5_CHECK_MOVED",
      warning: true,
    });
  }
  return problems;
}
