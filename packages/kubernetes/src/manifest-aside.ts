/**
 * A manifest's text with every s5 token set aside, for `s5 k8s wrap` and `unwrap`.
 *
 * A file with tokens is not YAML until rendered (`password: {{ s5:… | yaml }}`), so each token
 * becomes a placeholder word before the YAML is read. The same placeholders also hold a scalar's
 * exact source text (`0440` must stay `0440`: kubectl reads YAML 1.1, the `yaml` package 1.2),
 * so the YAML writer only ever places them. A placeholder ends with a letter, so the text after
 * it (`{{ s5:… }}7`) is never read as part of its number; one not found is a bug, not a value.
 */
import { randomBytes } from "node:crypto";
import { type BackendName, type FoundToken, findTokens, TokenFailures } from "@s5/core";

/** Where one token stood: in the original text and in the text with placeholders. */
interface Moved {
  asideStart: number;
  asideEnd: number;
  start: number;
  end: number;
}

export class Aside {
  /** The text with a placeholder in place of each token. */
  readonly text: string;
  readonly #name: string;
  readonly #original: string;
  readonly #prefix: string;
  readonly #pattern: RegExp;
  /** What each placeholder gives back, by its index. */
  readonly #texts: string[] = [];
  /** The token each token placeholder stands for (held source texts have none). */
  readonly #tokens = new Map<number, FoundToken>();
  readonly #moved: Moved[] = [];
  readonly #lineStarts: number[] = [0];

  /** Sets aside every token of `original`; a malformed one is an error, as in `s5 render`. */
  constructor(original: string, name: string, goToolBackend: BackendName | undefined) {
    const found = findTokens({ name, content: original }, goToolBackend);
    if (found.failures.length > 0) throw new TokenFailures(found.failures);
    this.#name = name;
    this.#original = original;
    const nonce = randomBytes(6).toString("hex");
    this.#prefix = `s5${nonce}i`;
    this.#pattern = new RegExp(`s5${nonce}i(\\d+)z`, "g");
    let text = "";
    let at = 0;
    for (const token of found.tokens) {
      const placeholder = this.#add(original.slice(token.start, token.end), token);
      text += original.slice(at, token.start);
      this.#moved.push({
        asideStart: text.length,
        asideEnd: text.length + placeholder.length,
        start: token.start,
        end: token.end,
      });
      text += placeholder;
      at = token.end;
    }
    this.text = text + original.slice(at);
    for (const match of original.matchAll(/\r\n?|\n/g)) {
      this.#lineStarts.push(match.index + match[0].length);
    }
  }

  #add(text: string, token?: FoundToken): string {
    const index = this.#texts.push(text) - 1;
    if (token) this.#tokens.set(index, token);
    return `${this.#prefix}${index}z`;
  }

  #index(placeholder: string): number | undefined {
    if (!placeholder.startsWith(this.#prefix) || !placeholder.endsWith("z")) return undefined;
    const digits = placeholder.slice(this.#prefix.length, -1);
    return /^\d+$/.test(digits) ? Number(digits) : undefined;
  }

  /** A placeholder that `restore` turns into exactly `text`. */
  hold(text: string): string {
    return this.#add(text);
  }

  /** The token `value` is, when it is exactly one token's placeholder and nothing else. */
  tokenOf(value: string): FoundToken | undefined {
    const index = this.#index(value);
    return index === undefined ? undefined : this.#tokens.get(index);
  }

  /** The token placeholders in `value`, in order. */
  tokensIn(value: string): string[] {
    return [...value.matchAll(new RegExp(this.#pattern))]
      .map((match) => match[0])
      .filter((placeholder) => this.tokenOf(placeholder) !== undefined);
  }

  /** The text a token placeholder gives back now: the token as written, unless replaced. */
  textOf(placeholder: string): string | undefined {
    const index = this.#index(placeholder);
    return index === undefined ? undefined : this.#texts[index];
  }

  /** Replaces what the token placeholder `placeholder` gives back. */
  setToken(placeholder: string, text: string): void {
    const index = this.#index(placeholder);
    if (index === undefined || !this.#tokens.has(index)) {
      throw new Error("s5 k8s: not a token placeholder");
    }
    this.#texts[index] = text;
  }

  /** Whether `value` holds a placeholder (a token, or a held text that may hold one). */
  holdsAny(value: string): boolean {
    this.#pattern.lastIndex = 0;
    return this.#pattern.test(value);
  }

  /** `text` with every placeholder given back; an unknown one throws rather than lose a value. */
  restore(text: string): string {
    return text.replace(new RegExp(this.#pattern), (_, digits: string) => {
      const index = Number(digits);
      const back = this.#texts[index];
      if (back === undefined) throw new Error(`s5 k8s: unknown placeholder ${index}`);
      // A held source text may itself hold tokens; a token's text holds no placeholder.
      return this.#tokens.has(index) ? back : this.restore(back);
    });
  }

  /** The file, line and column in the original text of `offset` in `text`. */
  locate(offset: number): { file: string; line: number; column: number } {
    let at = offset;
    for (const moved of this.#moved) {
      if (moved.asideStart > offset) break;
      at = offset < moved.asideEnd ? moved.start : moved.end + (offset - moved.asideEnd);
    }
    at = Math.min(Math.max(at, 0), this.#original.length);
    let low = 0;
    let high = this.#lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.#lineStarts[mid]! <= at) low = mid;
      else high = mid - 1;
    }
    return { file: this.#name, line: low + 1, column: at - this.#lineStarts[low]! + 1 };
  }
}
