/**
 * White space as Go's `unicode.IsSpace` sees it, for HCL: hclsyntax trims it around a heredoc's
 * closing marker and counts it as a `<<-` heredoc's indentation (one per character).
 */
const GO_SPACE =
  "\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";

/**
 * Text as Unicode: a byte source's latin1 view decoded as UTF-8 (a string source, holding
 * characters past U+00FF, is taken as it is).
 */
export function unicodeText(text: string): string {
  if (/[^\x00-\x7f]/.test(text) && !/[^\x00-\xff]/.test(text)) {
    return Buffer.from(text, "latin1").toString("utf8");
  }
  return text;
}

/** How many white space characters `line` begins with. */
export function goIndent(line: string): number {
  let count = 0;
  while (count < line.length && GO_SPACE.includes(line[count]!)) count++;
  return count;
}

/** `line` without the white space around it. */
export function goTrim(line: string): string {
  let end = line.length;
  while (end > 0 && GO_SPACE.includes(line[end - 1]!)) end--;
  return line.slice(goIndent(line), Math.max(end, goIndent(line)));
}
