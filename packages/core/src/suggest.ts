/**
 * "Did you mean …?" for names typed by people (options, commands, config keys). Also decides
 * whether a word may be shown in a message at all: a word close to a known name is a typo of it;
 * any other word may be a secret typed in the wrong place, and is not echoed.
 */

/** Edit distance (insert, delete, substitute, swap two neighbours), stopping early past `limit`. */
export function editDistance(a: string, b: string, limit = 3): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, before[j - 2]! + 1);
      }
      current.push(value);
      best = Math.min(best, value);
    }
    if (best > limit) return limit + 1;
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/** Edits allowed for a typo of a name this long: none for `-k`, up to 3 for long names. */
function allowed(length: number): number {
  return length <= 2 ? 0 : length <= 5 ? 1 : length <= 11 ? 2 : 3;
}

/**
 * The known name closest to `input` (a few edits, fewer for short names; case ignored), or
 * undefined when nothing is that close.
 *
 * @example
 * closest("--transit-ky", ["--transit-key", "--key"]) // "--transit-key"
 */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const limit = allowed(candidate.length);
    const distance = editDistance(input.toLowerCase(), candidate.toLowerCase(), limit);
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
