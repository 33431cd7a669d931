/**
 * Which marker of an edited copy stands where a token stood: `s5 edit` seals a changed value with
 * the backend of the token at its place, so that the value keeps its readers. The copy and the
 * edited text are compared line by line with every marker replaced by one placeholder, so a
 * changed value alone changes no line; lines the user changed around values (a hunk) pair their
 * markers in order when they hold as many as before, else by the text before each marker on its
 * line. A marker with no place (a new line of its own) is a new value.
 */

interface Span {
  start: number;
  end: number;
}

/** One line of a text, its markers replaced by a placeholder: the line's shape and its markers. */
interface Line {
  shape: string;
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
  let markers: number[] = [];
  let before: string[] = [];
  let from = 0;
  const cut = (to: number) => {
    const piece = text.slice(from, to);
    const parts = piece.split("\n");
    shape += parts[0];
    for (const part of parts.slice(1)) {
      lines.push({ shape, markers, before });
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
  lines.push({ shape, markers, before });
  return lines;
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
  const a = linesOf(copy, copySpans);
  const b = linesOf(edited, editedSpans);
  const origins: (number | undefined)[] = editedSpans.map(() => undefined);
  let i = 0;
  let j = 0;
  for (const [x, y] of [...matchLines(a, b), [a.length, b.length] as [number, number]]) {
    if (x > i || y > j) pairHunk(a.slice(i, x), b.slice(j, y), origins);
    if (x < a.length && y < b.length) {
      const from = a[x]!.markers;
      for (const [k, marker] of b[y]!.markers.entries()) {
        if (k < from.length) origins[marker] = from[k];
      }
    }
    i = x + 1;
    j = y + 1;
  }
  return origins;
}
