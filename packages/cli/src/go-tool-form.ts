/**
 * New tokens in a file the Go tool may still render. Its pattern matches only its own form, and
 * it leaves any other token in place without a word: a value edited or sealed with s5 into such a
 * file would reach the cluster as `{{ s5:aes:… }}`. So when nobody chose a form (`--legacy`,
 * `S5_LEGACY_TOKENS`, `legacyTokens`) and every token of the file is in the Go tool's form, new
 * tokens keep that form where it has one, and a note says how many could not.
 */
import type { Settings } from "@s5/core";
import { goToolBackendOf, inGoToolForm } from "@s5/core/internal";

export function goToolFormFor(settings: Settings, text: string): boolean | "where-possible" {
  if (settings.goToolTokens) return true;
  const chosen =
    settings.overrides.goToolTokens !== undefined ||
    Boolean(settings.env.S5_LEGACY_TOKENS) ||
    settings.project?.config.legacyTokens !== undefined;
  if (chosen) return false;
  return inGoToolForm(text, goToolBackendOf(settings)) ? "where-possible" : false;
}

/** Says which new tokens of such a file the Go tool would leave in place. */
export function noteNotGoTool(file: string, count: number | undefined): void {
  if (!count) return;
  process.stderr.write(
    `s5: note: ${file}: its other tokens are in the Go tool's form, ${count} new one(s) in s5's (a filter, local keys, or a Vault key past version 1), which the Go tool leaves in place unrendered; set legacyTokens in .s5.json to true (or false) to choose\n`,
  );
}
