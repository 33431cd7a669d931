/**
 * Moving tokens to the newest key version (`s5 rewrap`): the same scan as render, one batch per
 * backend, and only each token's body is replaced — spacing, filters and every other byte stay.
 * All or nothing, like render.
 */
import type { BackendName, ItemResult, TokenBody } from "./backend.ts";
import type { Backends } from "./backends.ts";
import { type TokenFailure, TokenFailures, toS5Error, UsageError } from "./errors.ts";
import { type FoundTokens, findTokens, type Source } from "./render.ts";
import { type Spliced, spliceBytes, spliceText } from "./scan.ts";
import { formatBody } from "./token.ts";

export interface RewrapOptions {
  /** Backends whose tokens are rewrapped; others are left as written. @default ["vault"] */
  backends?: readonly BackendName[] | undefined;
  /**
   * How bare (Go tool) tokens are read: by their shape (the Go tool's AES payload is AES, the rest
   * Vault) or as one backend. @default the backends' `goToolBackend`
   */
  bareTokens?: "shape" | BackendName | undefined;
  /**
   * The Go tool must still read the tokens it reads (`legacyTokens`): it reads a Vault token only
   * at version 1, so tokens in its form are left as they are, and counted.
   */
  goToolTokens?: boolean | undefined;
}

export interface RewrapOutput<T extends string | Uint8Array> {
  /** Each source with its tokens rewrapped: a string, or pieces to write in order for bytes. */
  outputs: (T extends string ? string : Spliced)[];
  /** Tokens whose text changed. */
  changed: number;
  /** Tokens of the selected backends seen. */
  total: number;
  /** Tokens in the Go tool's form left as they are (`goToolTokens`). */
  keptGoTool: number;
  /**
   * Tokens of the backends not selected, left as they are, by backend: after `s5 keys rotate`, a
   * local-key token still holds the key it was sealed with.
   */
  others: Partial<Record<BackendName, number>>;
}

/**
 * Rewraps every token of the selected backends in all sources at once.
 *
 * @example
 * const { outputs: [text] } = await rewrapSources([{ name: "a.yml", content }], backends);
 */
export async function rewrapSources<T extends string | Uint8Array>(
  sources: readonly Source<T>[],
  backends: Backends,
  options: RewrapOptions = {},
): Promise<RewrapOutput<T>> {
  const selected = new Set(options.backends ?? ["vault"]);
  const bare =
    options.bareTokens === "shape" ? undefined : (options.bareTokens ?? backends.goToolBackend);
  const found = sources.map((source) => findTokens(source, bare));
  // The Go tool's tokens stay in its form where it must still read them: a bare body, or its
  // 0.1.0 form `{{ vault:v1:… }}` (no `s5:` before the body).
  const kept = (source: Source<T>, token: FoundTokens["tokens"][number]) => {
    if (options.goToolTokens !== true) return false;
    if (token.info.goTool) return true;
    const before = source.content.slice(token.start, token.bodyStart);
    const text = typeof before === "string" ? before : Buffer.from(before).toString("latin1");
    return !text.includes("s5:");
  };
  let keptGoTool = 0;
  const others: Partial<Record<BackendName, number>> = {};
  const failures: TokenFailure[] = found.flatMap((item) => item.failures);

  const bodies = new Map<BackendName, Map<string, TokenBody>>();
  for (const [i, { tokens }] of found.entries()) {
    for (const token of tokens) {
      if (!selected.has(token.info.backend)) {
        others[token.info.backend] = (others[token.info.backend] ?? 0) + 1;
        continue;
      }
      if (kept(sources[i]!, token)) {
        keptGoTool++;
        continue;
      }
      const map = bodies.get(token.info.backend) ?? new Map<string, TokenBody>();
      bodies.set(token.info.backend, map);
      map.set(token.body, token.info);
    }
  }
  const rewrapped = new Map<string, ItemResult<string>>();
  await Promise.all(
    [...bodies].map(async ([name, map]) => {
      const list = [...map.keys()];
      let results: ItemResult<string>[];
      try {
        const backend = await backends.get(name);
        if (!backend.rewrap) {
          throw new UsageError(`the ${name} backend cannot rewrap`, {
            hint: "rewrap Vault tokens",
          });
        }
        results = (await backend.rewrap([...map.values()])).map((result) =>
          result.ok
            ? { ok: true, value: formatBody(result.value, { goTool: result.value.goTool }) }
            : result,
        );
      } catch (error) {
        const failure = { ok: false as const, error: toS5Error(error) };
        results = list.map(() => failure);
      }
      for (const [i, body] of list.entries()) rewrapped.set(`${name}\0${body}`, results[i]!);
    }),
  );

  let changed = 0;
  let total = 0;
  const edits = found.map(({ tokens, lines }, i) => {
    // Only the body changes: `{{`, spacing, the 0.1.0 form's missing `s5:`, filters all stay.
    const matches: { start: number; end: number }[] = [];
    const values: string[] = [];
    for (const token of tokens) {
      if (!selected.has(token.info.backend) || kept(sources[i]!, token)) continue;
      total++;
      const result = rewrapped.get(`${token.info.backend}\0${token.body}`);
      if (!result?.ok) {
        const error = result?.error ?? toS5Error(undefined);
        failures.push({ location: lines.locate(token.start), error });
        continue;
      }
      if (result.value === token.body) continue;
      matches.push({ start: token.bodyStart, end: token.bodyEnd });
      values.push(result.value);
      changed++;
    }
    return { matches, values };
  });
  if (failures.length > 0) {
    throw new TokenFailures(failures);
  }

  const outputs = sources.map((source, i) => {
    const { matches, values } = edits[i]!;
    if (typeof source.content === "string") return spliceText(source.content, matches, values);
    return spliceBytes(
      source.content,
      matches,
      values.map((value) => Buffer.from(value, "latin1")),
    );
  }) as (T extends string ? string : Spliced)[];
  return { outputs, changed, total, keptGoTool, others };
}
