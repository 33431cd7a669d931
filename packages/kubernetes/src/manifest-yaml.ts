/**
 * Reading and writing the YAML of `s5 k8s wrap` / `unwrap` without changing what kubectl reads.
 *
 * kubectl reads YAML 1.1 (sigs.k8s.io/yaml) and the `yaml` package writes 1.2: written again,
 * `0440` becomes `440` (another file mode) and big integers are rounded. So a document that is
 * not converted is copied as its text, and in a converted one every one-line scalar keeps its
 * source text (held in the `Aside`): the writer only lays out the new structure around them.
 */
import {
  Document,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  type Node,
  parseAllDocuments,
  Scalar,
} from "yaml";
import { KubernetesError } from "./errors.ts";
import type { Aside } from "./manifest-aside.ts";

export function parseManifest(aside: Aside): Document.Parsed[] {
  const docs = parseAllDocuments(aside.text);
  if (!Array.isArray(docs)) return [];
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) {
      throw new KubernetesError("S5_K8S_YAML", `${error.code}: this is not YAML`, {
        location: aside.locate(error.pos[0]),
        hint: "fix the manifest; tokens may stand where a value goes",
      });
    }
  }
  return docs;
}

/** An error about the manifest's shape, at the node it is about. */
export function shapeError(
  aside: Aside,
  node: unknown,
  message: string,
  hint: string,
  code: `S5_K8S_${string}` = "S5_K8S_YAML",
): KubernetesError {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return new KubernetesError(code, message, {
    location: aside.locate(range?.[0] ?? 0),
    hint,
  });
}

/**
 * Every one-line scalar under `node` (keys too) is written as its exact source text, but those
 * in `skip` (values the conversion rewrites). Multi-line and block scalars are strings in both
 * YAML versions, and their lines are laid out again for their new indentation.
 */
export function keepSource(
  node: unknown,
  aside: Aside,
  doc: Document.Parsed,
  skip: ReadonlySet<unknown>,
): void {
  if (isPair(node)) {
    keepSource(node.key, aside, doc, skip);
    keepSource(node.value, aside, doc, skip);
    return;
  }
  if (isCollection(node)) {
    for (const item of node.items) keepSource(item, aside, doc, skip);
    return;
  }
  if (!isScalar(node) || skip.has(node) || !node.range) return;
  if (node.type === Scalar.BLOCK_FOLDED || node.type === Scalar.BLOCK_LITERAL) return;
  const source = aside.text.slice(node.range[0], node.range[1]);
  if (source === "" || /[\r\n]/.test(source)) return;
  const tag = node.tag ? `${doc.directives.tagString(node.tag)} ` : "";
  node.value = aside.hold(tag + source);
  node.type = Scalar.PLAIN;
  node.tag = undefined;
  node.format = undefined;
}

/**
 * Refuses an alias the reordering put before its anchor (or whose anchor it dropped): the
 * `yaml` writer would stop with an internal error, and kubectl could not read the result.
 */
export function checkAliasOrder(root: Node, aside: Aside): void {
  const anchors = new Set<string>();
  const walk = (node: unknown): void => {
    if (isPair(node)) {
      walk(node.key);
      walk(node.value);
      return;
    }
    if (isAlias(node)) {
      if (!anchors.has(node.source)) {
        throw shapeError(
          aside,
          node,
          `the alias *${node.source} would come before its anchor once the fields are moved`,
          "write the value out instead of the alias",
        );
      }
      return;
    }
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor) anchors.add(anchor);
    if (isCollection(node)) for (const item of node.items) walk(item);
  };
  walk(root);
}

/** A top-level map's text, with no document markers (they stay as they were). */
export function writeMap(root: Node): string {
  const out = new Document();
  out.contents = root;
  return out.toString({ lineWidth: 0, directives: false });
}

/**
 * The manifest text with the contents of each converted document replaced (from the start of
 * its first line, so an indented top-level map is not left half indented); directives, `---`,
 * comments around the contents and every other document are the original text.
 */
export function splice(aside: Aside, replaced: Map<Document.Parsed, string>): string {
  const source = aside.text;
  const eol = source.includes("\r\n") ? "\r\n" : "\n";
  let out = "";
  let at = 0;
  for (const [doc, text] of replaced) {
    const range = doc.contents?.range;
    if (!range) continue;
    const lineStart = source.lastIndexOf("\n", range[0] - 1) + 1;
    if (source.slice(lineStart, range[0]).trim() === "") out += source.slice(at, lineStart);
    else out += source.slice(at, range[0]).trimEnd() + eol; // `--- {apiVersion: v1, …}`
    out += eol === "\n" ? text : text.replaceAll("\n", eol);
    // The new text ends its last line: the line break the old contents stopped before goes.
    at = range[2] + (/^\r?\n/.exec(source.slice(range[2], range[2] + 2))?.[0].length ?? 0);
  }
  return aside.restore(out + source.slice(at));
}

/** The first key of a map: a comment before it was before the document's contents. */
export function firstKey(map: unknown): Scalar | undefined {
  if (!isMap(map)) return undefined;
  const key = map.items[0]?.key;
  return isScalar(key) ? key : undefined;
}
