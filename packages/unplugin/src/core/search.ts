/**
 * Many literal strings looked for in one text in a single pass: an Aho–Corasick automaton over
 * UTF-16 code units, in typed arrays. Building it is linear in the total length of the patterns
 * and a search linear in the text (times log of the alphabet at a branch), whatever the number of
 * patterns. A regular expression made of the patterns is not used: its cost grew with the number
 * of values (3,000 values: ~4 s per 200 kB text, 20,000: V8 ran out of memory), and when V8 cannot
 * compile one (a 4 MB value), its `SyntaxError` quotes the pattern — the plaintexts — in the
 * build's error. Measured on the shared 2-core project VM: 100 secrets (~1,900 forms) and an 80 kB
 * chunk, ~20–40 ms to build and ~3–7 ms to search, once per build (the expression took ~12 ms);
 * 20,000 values of 20 characters, ~0.3 s to build and ~10 ms per 200 kB text.
 */

/** How long a run cut by an ellipsis must be to count as a cut value (see `covered`). */
export const MIN_CUT = 8;

/** `…` (Rollup's code frame) and `...` (Vite's) mark a line cut short. */
function ellipsisAt(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  return c === 0x2026 || (c === 0x2e && text.startsWith("...", at));
}

/** A range of a text, `[start, end)`. */
export type Range = [start: number, end: number];

export interface MultiSearch {
  /** Whether `text` contains at least one of the patterns. */
  containsAny(text: string): boolean;
  /**
   * The parts of `text` that are a pattern, merged where they overlap, in order; with `cuts`, also
   * a run of `MIN_CUT` or more characters that starts a pattern and is followed by an ellipsis
   * (a line a code frame cut in the middle of a value).
   */
  covered(text: string, cuts?: boolean): Range[];
}

/** Alternatives per expression, and the longest pattern an expression takes (see `quick`). */
const PER_EXPRESSION = 500;
const LONGEST_QUICK = 1000;
const asLiteral = (literal: string) => literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * `containsAny` through regular expressions (alternations of literals, which V8 compiles to
 * native code), for the usual case, the client leak scan: 100 secrets' ~1,900 forms in ~2 ms,
 * where building the automaton takes 20–40 ms of a ~200 ms build. Only for short patterns, and
 * never thrown out of: an expression V8 cannot compile (its `SyntaxError` would quote the
 * patterns) or run makes `undefined`, and the automaton answers instead.
 */
function quick(list: readonly string[]): ((text: string) => boolean) | undefined {
  if (list.length > 20 * PER_EXPRESSION || list.some((p) => p.length > LONGEST_QUICK)) return;
  try {
    const expressions: RegExp[] = [];
    for (let i = 0; i < list.length; i += PER_EXPRESSION) {
      expressions.push(
        new RegExp(
          list
            .slice(i, i + PER_EXPRESSION)
            .map(asLiteral)
            .join("|"),
        ),
      );
    }
    return (text) => expressions.some((expression) => expression.test(text));
  } catch {
    return undefined;
  }
}

/** Prepares a search for `patterns` (empty strings are ignored). */
export function multiSearch(patterns: Iterable<string>): MultiSearch {
  const list = [...new Set(patterns)].filter((pattern) => pattern.length > 0).sort();
  const fast = quick(list);
  let automaton: MultiSearch | undefined;
  const slow = () => {
    automaton ??= buildAutomaton(list);
    return automaton;
  };
  return {
    containsAny(text) {
      if (fast) {
        try {
          return fast(text);
        } catch {
          // a stack or memory limit of V8's matcher: the automaton answers
        }
      }
      return slow().containsAny(text);
    },
    covered: (text, cuts) => slow().covered(text, cuts),
  };
}

/** The Aho–Corasick automaton of sorted, distinct, non-empty patterns. */
function buildAutomaton(list: readonly string[]): MultiSearch {
  // Sorted, each pattern shares its longest common prefix with the one before: the trie is built
  // without looking a child up, and every node's children arrive in code order.
  let size = 1;
  for (const pattern of list) size += pattern.length;
  const code = new Uint16Array(size);
  const firstChild = new Int32Array(size).fill(-1);
  const lastChild = new Int32Array(size).fill(-1);
  const nextSibling = new Int32Array(size).fill(-1);
  const terminal = new Uint8Array(size);
  const path = [0];
  let nodes = 1;
  let previous = "";
  for (const pattern of list) {
    let shared = 0;
    while (shared < previous.length && previous.charCodeAt(shared) === pattern.charCodeAt(shared))
      shared++;
    let node = path[shared]!;
    for (let d = shared; d < pattern.length; d++) {
      const child = nodes++;
      code[child] = pattern.charCodeAt(d);
      if (lastChild[node] === -1) firstChild[node] = child;
      else nextSibling[lastChild[node]!] = child;
      lastChild[node] = child;
      path[d + 1] = child;
      node = child;
    }
    terminal[node] = 1;
    previous = pattern;
  }

  // Renumbered breadth-first: a node's children are then a run of ids, sorted by code.
  const order = new Int32Array(nodes);
  const start = new Int32Array(nodes);
  const end = new Int32Array(nodes);
  const parent = new Int32Array(nodes);
  let tail = 1;
  for (let head = 0; head < nodes; head++) {
    start[head] = tail;
    for (let child = firstChild[order[head]!]!; child !== -1; child = nextSibling[child]!) {
      parent[tail] = head;
      order[tail++] = child;
    }
    end[head] = tail;
  }
  const label = new Uint16Array(nodes);
  const depth = new Int32Array(nodes);
  const fail = new Int32Array(nodes);
  /** Length of the longest pattern that ends at this node (0: none). */
  const longest = new Int32Array(nodes);
  for (let id = 1; id < nodes; id++) label[id] = code[order[id]!]!;
  const rootNext = new Int32Array(0x10000);
  for (let id = start[0]!; id < end[0]!; id++) rootNext[label[id]!] = id;

  const child = (node: number, c: number): number => {
    if (node === 0) return rootNext[c]!;
    let low = start[node]!;
    let high = end[node]! - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const at = label[mid]!;
      if (at === c) return mid;
      if (at < c) low = mid + 1;
      else high = mid - 1;
    }
    return -1;
  };
  const step = (node: number, c: number): number => {
    let state = node;
    for (;;) {
      const next = child(state, c);
      if (next > 0) return next;
      if (state === 0) return 0;
      state = fail[state]!;
    }
  };
  for (let id = 1; id < nodes; id++) {
    const up = parent[id]!;
    depth[id] = depth[up]! + 1;
    fail[id] = up === 0 ? 0 : step(fail[up]!, label[id]!);
    longest[id] = terminal[order[id]!] ? depth[id]! : longest[fail[id]!]!;
  }

  return {
    containsAny(text) {
      if (nodes === 1) return false;
      let state = 0;
      for (let i = 0; i < text.length; i++) {
        state = step(state, text.charCodeAt(i));
        if (longest[state]! > 0) return true;
      }
      return false;
    },
    covered(text, cuts = false) {
      const ranges: Range[] = [];
      if (nodes === 1) return ranges;
      // Ends only grow: a new range swallows the ranges before it that it overlaps.
      const add = (from: number, to: number) => {
        let first = from;
        while (ranges.length > 0 && ranges.at(-1)![1] > first)
          first = Math.min(first, ranges.pop()![0]);
        ranges.push([first, to]);
      };
      let state = 0;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        // The state is the longest end of the text so far that starts a pattern.
        if (cuts && depth[state]! >= MIN_CUT && ellipsisAt(text, i)) add(i - depth[state]!, i);
        state = step(state, c);
        const length = longest[state]!;
        if (length > 0) add(i + 1 - length, i + 1);
      }
      return ranges;
    },
  };
}
