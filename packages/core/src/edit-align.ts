/**
 * Which marker of an edited copy stands where a token stood: `s5 edit` seals a changed value with
 * the backend of the token at its place, so that the value keeps its readers. The copy and the
 * edited text are compared line by line with every marker replaced by one placeholder, so a
 * changed value alone changes no line; lines the user changed around values (a hunk) pair their
 * markers in order when they hold as many as before, else by the text before each marker on its
 * line; a line moved there, the one of its shape on both sides, is paired with its own line first.
 * A marker with no place (a new line of its own) is a new value.
 */

interface Span {
  start: number;
  end: number;
}

/** One line of a text, its markers replaced by a placeholder: the line's shape and its markers. */
interface Line {
  shape: string;
  /** Offset of the line's first character in its text. */
  start: number;
  /** Indexes of the markers on this line, in order. */
  markers: number[];
  /** Per marker: the line's text before it (from the previous marker's end), trimmed. */
  before: string[];
}

/** Beyond this many cells, the changed middle of two texts is one hunk (no line alignment). */
const MAX_CELLS = 4_000_000;

function linesOf(text: string, spans: readonly Span[]): Line[] {
  const lines: Line[] = [];
  let shape = "";
  let start = 0;
  let markers: number[] = [];
  let before: string[] = [];
  let from = 0;
  const cut = (to: number) => {
    const piece = text.slice(from, to);
    const parts = piece.split("\n");
    shape += parts[0];
    let at = from + parts[0]!.length;
    for (const part of parts.slice(1)) {
      lines.push({ shape, start, markers, before });
      start = at + 1;
      at = start + part.length;
      shape = part;
      markers = [];
      before = [];
    }
  };
  for (const [i, span] of spans.entries()) {
    cut(span.start);
    const lineStart = shape.lastIndexOf("\u0000") + 1;
    before.push(shape.slice(lineStart).trim());
    shape += "\u0000";
    markers.push(i);
    from = span.end;
  }
  cut(text.length);
  lines.push({ shape, start, markers, before });
  withContext(lines);
  return lines;
}

/** How many of the lines a marker's line sits under count in its shape. */
const MAX_PARENTS = 16;

/**
 * A marker's line gets, in its shape, the lines it sits under (each nearest line above it that is
 * less indented, and a `[section]` header), so that `  password: ●` under `prod:` and under `dev:`
 * differ: blocks swapped in an edit pair by where they stand in the file's structure, not by their
 * order (a value sealed for Vault in `prod` took the local key of `dev`'s place).
 */
function withContext(lines: Line[]): void {
  const stack: { indent: number; shape: string }[] = [];
  let section = "";
  for (const line of lines) {
    const shape = line.shape;
    const body = shape.trimStart();
    if (body === "") continue;
    const indent = shape.length - body.length;
    while (stack.length > 0 && stack.at(-1)!.indent >= indent) stack.pop();
    if (indent === 0 && body.startsWith("[") && line.markers.length === 0) section = body;
    if (line.markers.length > 0) {
      const parents = stack.slice(-MAX_PARENTS).map((parent) => parent.shape);
      line.shape = [section, ...parents, shape].join("\u0001");
    }
    stack.push({ indent, shape });
  }
}

/** Pairs of equal lines (indexes into `a` and `b`), in order: common ends, then an LCS. */
function matchLines(a: readonly Line[], b: readonly Line[]): [number, number][] {
  const pairs: [number, number][] = [];
  let head = 0;
  while (head < a.length && head < b.length && a[head]!.shape === b[head]!.shape) {
    pairs.push([head, head]);
    head++;
  }
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail]!.shape === b[b.length - 1 - tail]!.shape
  ) {
    tail++;
  }
  const n = a.length - head - tail;
  const m = b.length - head - tail;
  if (n > 0 && m > 0 && (n + 1) * (m + 1) <= MAX_CELLS) {
    // Longest common subsequence of the middles, read back from the end.
    const width = m + 1;
    const table = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        table[i * width + j] =
          a[head + i]!.shape === b[head + j]!.shape
            ? table[(i + 1) * width + j + 1]! + 1
            : Math.max(table[(i + 1) * width + j]!, table[i * width + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (a[head + i]!.shape === b[head + j]!.shape) {
        pairs.push([head + i, head + j]);
        i++;
        j++;
      } else if (table[(i + 1) * width + j]! >= table[i * width + j + 1]!) i++;
      else j++;
    }
  }
  for (let k = tail; k > 0; k--) pairs.push([a.length - k, b.length - k]);
  return pairs;
}

/** A line of a text: from `start` up to its line feed (not included), or the text's end. */
export interface LineSpan {
  start: number;
  end: number;
}

/**
 * The stretches of lines that differ between two texts (hunks, in order), each as the lines of
 * either side that the line diff pairs with none of the other — {@link alignPlaces}'s hunks,
 * line by line: a line whose token became its value in clear is one of them on both sides.
 */
export function changedStretches(
  copy: string,
  copySpans: readonly Span[],
  edited: string,
  editedSpans: readonly Span[],
): { copy: LineSpan[]; edited: LineSpan[] }[] {
  const a = linesOf(copy, copySpans);
  const b = linesOf(edited, editedSpans);
  const span = (lines: readonly Line[], text: string) => (line: Line, k: number) => ({
    start: line.start,
    end: k + 1 < lines.length ? lines[k + 1]!.start - 1 : text.length,
  });
  const spansA = a.map(span(a, copy));
  const spansB = b.map(span(b, edited));
  const stretches: { copy: LineSpan[]; edited: LineSpan[] }[] = [];
  let i = 0;
  let j = 0;
  for (const [x, y] of [...matchLines(a, b), [a.length, b.length] as [number, number]]) {
    if (x > i || y > j) stretches.push({ copy: spansA.slice(i, x), edited: spansB.slice(j, y) });
    i = x + 1;
    j = y + 1;
  }
  return stretches;
}

/** Pairs the markers of one hunk: in order when as many, else by the text before each. */
function pairHunk(a: readonly Line[], b: readonly Line[], into: (number | undefined)[]): void {
  const from = a.flatMap((line) =>
    line.markers.map((marker, k) => ({ marker, before: line.before[k]! })),
  );
  const to = b.flatMap((line) =>
    line.markers.map((marker, k) => ({ marker, before: line.before[k]! })),
  );
  if (from.length === to.length) {
    for (const [k, edited] of to.entries()) into[edited.marker] = from[k]!.marker;
    return;
  }
  let next = 0;
  for (const edited of to) {
    for (let k = next; k < from.length; k++) {
      if (from[k]!.before === edited.before) {
        into[edited.marker] = from[k]!.marker;
        next = k + 1;
        break;
      }
    }
  }
}

/**
 * For each marker of `edited` (spans in order), the index of the marker of `copy` at its place,
 * or undefined for a new one. Each marker of the copy is given to one edited marker at most.
 */
export function alignMarkers(
  copy: string,
  copySpans: readonly Span[],
  edited: string,
  editedSpans: readonly Span[],
): (number | undefined)[] {
  return alignPlaces(copy, copySpans, edited, editedSpans).origins;
}

/** `alignMarkers`' answer, with the hunk each marker stood in on its side. */
export interface Places {
  /** Per edited marker: the copy's marker at its place, or undefined. */
  origins: (number | undefined)[];
  /**
   * Per marker of each side: the changed stretch of lines (a hunk, numbered alike on both sides)
   * it stands in, or -1 on a line the two sides have in common.
   */
  copyHunks: number[];
  editedHunks: number[];
}

/** {@link alignMarkers}, and which markers of the two sides stand in the same hunk. */
export function alignPlaces(
  copy: string,
  copySpans: readonly Span[],
  edited: string,
  editedSpans: readonly Span[],
): Places {
  const a = linesOf(copy, copySpans);
  const b = linesOf(edited, editedSpans);
  const origins: (number | undefined)[] = editedSpans.map(() => undefined);
  const copyHunks = copySpans.map(() => -1);
  const editedHunks = editedSpans.map(() => -1);
  const mark = (lines: readonly Line[], hunks: number[], hunk: number) => {
    for (const line of lines) for (const marker of line.markers) hunks[marker] = hunk;
  };
  const pairs = matchLines(a, b);
  // A line outside the common ones that is, context and all, the one line of its shape on both
  // sides moved there: paired before the hunks pair by order, which would give it the place of a
  // line rewritten or removed where it now stands (a value sealed for CI taking a local key).
  const moved = pairMoved(unmatched(a, pairs, 0), unmatched(b, pairs, 1), origins);
  let i = 0;
  let j = 0;
  let hunk = 0;
  for (const [x, y] of [...pairs, [a.length, b.length] as [number, number]]) {
    if (x > i || y > j) {
      mark(a.slice(i, x), copyHunks, hunk);
      mark(b.slice(j, y), editedHunks, hunk);
      hunk++;
      const rest = (lines: readonly Line[]) => lines.filter((line) => !moved.has(line));
      pairHunk(rest(a.slice(i, x)), rest(b.slice(j, y)), origins);
    }
    if (x < a.length && y < b.length) {
      const from = a[x]!.markers;
      for (const [k, marker] of b[y]!.markers.entries()) {
        if (k < from.length) origins[marker] = from[k];
      }
    }
    i = x + 1;
    j = y + 1;
  }
  pairMoved(a, b, origins);
  return { origins, copyHunks, editedHunks };
}

/** The lines of one side that the diff did not pair with a line of the other. */
function unmatched(lines: readonly Line[], pairs: readonly [number, number][], side: 0 | 1) {
  const paired = new Set(pairs.map((pair) => pair[side]));
  return lines.filter((_, k) => !paired.has(k));
}

/**
 * Pairs a line moved elsewhere (blocks swapped: a diff keeps one block in place and sees the other
 * removed here and added there): an edited line whose markers have no place yet, whose shape is
 * that of exactly one copy line none of whose markers has been given, and the other way round.
 * Run on the lines the diff left over before the hunks are paired, then on all lines after (a line
 * alike another until a hunk took that one). Returns the lines it paired.
 */
function pairMoved(
  a: readonly Line[],
  b: readonly Line[],
  origins: (number | undefined)[],
): Set<Line> {
  const paired = new Set<Line>();
  const given = new Set(origins.filter((origin) => origin !== undefined));
  const loose = (lines: readonly Line[], free: (marker: number) => boolean) => {
    const byShape = new Map<string, Line[]>();
    for (const line of lines) {
      if (line.markers.length === 0 || !line.markers.every(free)) continue;
      byShape.set(line.shape, [...(byShape.get(line.shape) ?? []), line]);
    }
    return byShape;
  };
  const copyLines = loose(a, (marker) => !given.has(marker));
  const editedLines = loose(b, (marker) => origins[marker] === undefined);
  for (const [shape, [edited, ...more]] of editedLines) {
    const from = copyLines.get(shape);
    if (more.length > 0 || from?.length !== 1 || !edited) continue;
    const copyLine = from[0]!;
    if (copyLine.markers.length !== edited.markers.length) continue;
    for (const [k, marker] of edited.markers.entries()) origins[marker] = copyLine.markers[k];
    paired.add(copyLine).add(edited);
  }
  return paired;
}
