/**
 * `s5 k8s wrap` and `unwrap`: a Secret manifest with s5 tokens ⇄ an S5Secret, comments kept.
 *
 * Tokens are set aside before the YAML is read (`manifest-aside.ts`; core finds them, nothing
 * here reads a token's insides), the converted documents are written again with every one-line
 * scalar as its source text, and every other document is copied as it was (`manifest-yaml.ts`).
 * In an S5Secret the values are YAML strings, so a token is quoted, and the `| yaml` (or `| json`)
 * filter that made a Secret's `stringData` value a YAML scalar is dropped; `unwrap` puts it back.
 * `data` keeps `| base64`: a Secret's `data` is base64 either way.
 */
import { type BackendName, type FoundToken, formatToken } from "@s5/core";
import { closest, showable, upgradeHint } from "@s5/core/internal";
import { type Document, isAlias, isMap, isScalar, isSeq, Pair, Scalar, YAMLMap } from "yaml";
import { KubernetesError } from "./errors.ts";
import { Aside } from "./manifest-aside.ts";
import {
  checkAliasOrder,
  firstKey,
  keepSource,
  parseManifest,
  shapeError,
  splice,
  writeMap,
} from "./manifest-yaml.ts";
import { API_VERSION, GROUP, KIND } from "./resource.ts";

/** A token's text for a YAML string: the original, or rewritten when it spans lines. */
function tokenText(token: FoundToken, filters: readonly string[], original?: string): string {
  if (original !== undefined && !/[\r\n\t"\\]/.test(original) && filters === token.filters) {
    return original;
  }
  return formatToken(token.info, {
    filters,
    goTool: token.info.goTool && filters.length === 0 ? true : undefined,
  });
}

const keyOf = (pair: Pair): unknown => (isScalar(pair.key) ? pair.key.value : pair.key);
const pairOf = (map: YAMLMap, key: string) => map.items.find((pair) => keyOf(pair) === key);

/** The comments written on a pair that unwrap dissolves (`spec:`): before, beside and inside it. */
function commentsOf(pair: Pair | undefined): string[] {
  if (!pair) return [];
  const key = isScalar(pair.key) ? pair.key : undefined;
  const value = isMap(pair.value) || isScalar(pair.value) ? pair.value : undefined;
  return [key?.commentBefore, key?.comment, value?.commentBefore, value?.comment].filter(
    (comment): comment is string => Boolean(comment),
  );
}

/** Keeps `comments` on their own lines before `pair`; false when it has no place for them. */
function commentBefore(pair: Pair | undefined, comments: string[]): boolean {
  if (comments.length === 0) return true;
  if (!pair || !isScalar(pair.key)) return false;
  pair.key.commentBefore = [...comments, pair.key.commentBefore].filter(Boolean).join("\n");
  return true;
}

/**
 * Sets a field the conversion replaces (`apiVersion`, `kind`) with the comments written around
 * the old one: on its own line before it and after its value.
 */
function setReplaced(target: YAMLMap, old: YAMLMap, field: string, value: string): void {
  const before = pairOf(old, field);
  const scalar = new Scalar(value);
  if (isScalar(before?.value)) scalar.comment = before.value.comment;
  target.items.push(new Pair(isScalar(before?.key) ? before.key : new Scalar(field), scalar));
}
/**
 * A key as a message shows it: its tokens as written (not the placeholders they are read as) and
 * no character that would move the cursor, recolour or reorder the terminal.
 */
const shownKey = (aside: Aside, key: unknown) => showable(aside.restore(String(key)));
const isKind = (doc: Document, apiVersion: string, kind: string) =>
  isMap(doc.contents) && doc.get("apiVersion") === apiVersion && doc.get("kind") === kind;

/**
 * `pair` added to the last of `maps` (the others hold it): a scalar written for a block map may
 * hold `,` or `[`, so from one the maps become block maps themselves.
 */
function addPair(maps: YAMLMap[], pair: Pair, from: YAMLMap): void {
  if (!from.flow) for (const map of maps) map.flow = false;
  maps.at(-1)?.items.push(pair);
}

/**
 * A `kind: List` (or `SecretList`, …) holding a resource to convert: kubectl applies its items
 * one by one, so passing it through would commit a Secret of token text. Refused, not guessed at.
 */
function refuseInLists(doc: Document, aside: Aside, apiVersion: string, kind: string): void {
  const listKind = doc.get("kind");
  const items = isMap(doc.contents) ? doc.get("items", true) : undefined;
  if (typeof listKind !== "string" || !listKind.endsWith("List") || !isSeq(items)) return;
  for (const [i, item] of items.items.entries()) {
    if (isMap(item) && item.get("apiVersion") === apiVersion && item.get("kind") === kind) {
      throw shapeError(
        aside,
        item,
        `items[${i}] of this ${listKind} is a ${kind}: it would not be converted`,
        `put the ${kind} in a document of its own (a \`---\` before it)`,
        "S5_K8S_LIST",
      );
    }
  }
}

/**
 * An S5Secret of another version of s5.dev (a newer s5's CRD): refused, not copied through as
 * another document — its fields may mean what this s5 cannot tell, and `unwrap | s5 render |
 * kubectl apply` would apply it with its tokens instead of the Secret.
 */
function refuseOtherVersions(doc: Document, aside: Aside): void {
  const items = isMap(doc.contents) ? doc.get("items", true) : undefined;
  for (const node of [doc.contents, ...(isSeq(items) ? items.items : [])]) {
    if (!isMap(node) || node.get("kind") !== KIND) continue;
    const apiVersion = node.get("apiVersion", true);
    const value = isScalar(apiVersion) ? apiVersion.value : undefined;
    if (typeof value !== "string" || !value.startsWith(`${GROUP}/`) || value === API_VERSION) {
      continue;
    }
    throw shapeError(
      aside,
      apiVersion,
      `this ${KIND} is apiVersion ${showable(value)}, which this s5 does not read (it reads ${API_VERSION}): it may be a newer s5's`,
      `${upgradeHint()}; if it is a mistake, write apiVersion: ${API_VERSION}`,
      "S5_K8S_API_VERSION",
    );
  }
}

/** The tags that leave a scalar a string: none, `!` (non-specific) and `!!str`. */
const STRING_TAGS = new Set([undefined, "!", "tag:yaml.org,2002:str"]);

/**
 * Checks `data` / `stringData` holds only plain values: kubectl resolves aliases and merge keys
 * (`<<`), so a value behind one would be committed unseen, and moving the fields could put an
 * alias before its anchor. A tag other than `!!str` is refused too: the value it makes is not the
 * text written (`!!binary` decodes it as base64, so a token in it would be neither seen nor
 * converted). Returns the value scalars.
 */
function valuesOf(pair: Pair, field: string, aside: Aside): [string, Scalar][] {
  const values = pair.value;
  const hint = "write each value out under the field, as a string";
  if (isScalar(values) && values.value === null) return [];
  if (!isMap(values)) throw shapeError(aside, values, `${field} is not a map of values`, hint);
  return values.items.map((item): [string, Scalar] => {
    const key = isScalar(item.key) ? String(item.key.value) : undefined;
    if (key === undefined) {
      throw shapeError(aside, item.key, `${field} holds a key that is not a string`, hint);
    }
    if (!isScalar(item.value)) {
      const what = isAlias(item.value) ? "an alias" : "not a string";
      const shown = shownKey(aside, key);
      throw shapeError(aside, item.value ?? item.key, `${field}.${shown} is ${what}`, hint);
    }
    const tag = item.value.tag;
    if (!STRING_TAGS.has(tag)) {
      const name = tag?.startsWith("tag:yaml.org,2002:") ? `!!${tag.slice(18)}` : tag;
      throw shapeError(
        aside,
        item.value,
        `${field}.${shownKey(aside, key)} is tagged ${showable(String(name))}: a value there is a string`,
        "drop the tag (under data, write the base64 text itself)",
      );
    }
    return [key, item.value];
  });
}

/** Refuses a token that is not in a data/stringData value: there it would not be a string. */
function refuseStrayTokens(node: unknown, aside: Aside, placed: ReadonlySet<unknown>): void {
  if (isScalar(node)) {
    if (!placed.has(node) && typeof node.value === "string" && aside.holdsAny(node.value)) {
      throw shapeError(
        aside,
        node,
        "a token outside data and stringData values would not be a string in the S5Secret",
        "keep tokens in the values of data and stringData",
      );
    }
    return;
  }
  if (node instanceof Pair) {
    refuseStrayTokens(node.key, aside, placed);
    refuseStrayTokens(node.value, aside, placed);
  } else if (isMap(node) || isSeq(node)) {
    for (const item of node.items) refuseStrayTokens(item, aside, placed);
  }
}

/** Merge keys elsewhere in a converted document: kubectl would merge what s5 moves apart. */
function refuseMergeKeys(node: unknown, aside: Aside): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isScalar(pair.key) && pair.key.value === "<<" && pair.key.type === Scalar.PLAIN) {
        throw shapeError(
          aside,
          pair.key,
          "a merge key (<<) is not converted",
          "write the keys out",
        );
      }
      refuseMergeKeys(pair.value, aside);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) refuseMergeKeys(item, aside);
  }
}

/** The new top-level map, checked and with its scalars' source text held: ready to write. */
function finish(
  root: YAMLMap,
  old: YAMLMap,
  doc: Document.Parsed,
  aside: Aside,
  skip: Set<unknown>,
) {
  // A comment before the first key stands before the contents: it is kept as text.
  const first = firstKey(old);
  if (first) first.commentBefore = undefined;
  root.comment = [old.comment, root.comment].filter(Boolean).join("\n") || undefined;
  checkAliasOrder(root, aside);
  keepSource(root, aside, doc, skip);
  return writeMap(root);
}

/** The fields a v1 Secret and an S5Secret (its CRD's schema) have; `status` is the controller's. */
const SECRET_FIELDS = ["apiVersion", "kind", "metadata", "type", "immutable", "data", "stringData"];
const RESOURCE_FIELDS = ["apiVersion", "kind", "metadata", "spec", "status"];
const SPEC_FIELDS = ["metadata", "type", "immutable", "data", "stringData"];
const SECRET_META_FIELDS = ["labels", "annotations"];

/**
 * The map a field holds, or an empty one when it is absent or empty (`spec:`); anything else is
 * refused: a `spec` written as a string or a list would otherwise vanish with what it says.
 */
function mapOrEmpty(pair: Pair | undefined, field: string, aside: Aside): YAMLMap {
  const value = pair?.value;
  if (isMap(value)) return value;
  if (value === undefined || value === null || (isScalar(value) && value.value === null)) {
    return new YAMLMap();
  }
  throw shapeError(aside, value, `${field} is not a map`, `write ${field} out as a map`);
}

/**
 * A field the other kind has no place for would be dropped without a word: a misspelt
 * `stringdata:` and the values under it would be missing from the Secret the cluster gets.
 * Refused with its line, as `kubectl apply --validate=strict` refuses an unknown field.
 */
function refuseUnknownFields(
  map: YAMLMap,
  known: readonly string[],
  where: string,
  aside: Aside,
  ours = false,
) {
  for (const pair of map.items) {
    const key = keyOf(pair);
    if (typeof key === "string" && known.includes(key)) continue;
    const shown =
      typeof key === "string" ? `\`${shownKey(aside, key)}\`` : "a key that is not a string";
    const fields = known.map((field) => `\`${field}\``).join(", ");
    const near = typeof key === "string" ? closest(key, known) : undefined;
    // An S5Secret's fields are s5's own: one this s5 does not know may be a newer s5's (its CRD
    // accepts it), and dropping it could change what the Secret must be.
    const hint = !ours
      ? `keep to ${fields}: fix the name, or remove the field`
      : near
        ? `did you mean \`${near}\`? If not, the field may be a newer s5's: ${upgradeHint()}`
        : `this s5 knows ${fields}; the field may be a newer s5's: ${upgradeHint()}; if it is a mistake, fix the name or remove the field`;
    throw shapeError(
      aside,
      pair.key,
      `${where} has ${shown}, which the converted resource has no place for`,
      hint,
      "S5_K8S_UNKNOWN_FIELD",
    );
  }
}

function wrapSecret(
  doc: Document.Parsed,
  aside: Aside,
  name: string,
  warn?: (message: string) => void,
): string {
  const old = doc.contents as YAMLMap;
  refuseMergeKeys(old, aside);
  refuseUnknownFields(old, SECRET_FIELDS, "the Secret", aside);
  const resource = new YAMLMap();
  setReplaced(resource, old, "apiVersion", API_VERSION);
  setReplaced(resource, old, "kind", KIND);
  const meta = new YAMLMap();
  const spec = new YAMLMap();
  const secretMeta = new YAMLMap();
  const metadata = pairOf(old, "metadata");
  const oldMeta = mapOrEmpty(metadata, "metadata", aside);
  meta.comment = oldMeta.comment;
  for (const pair of oldMeta.items) {
    const key = keyOf(pair);
    if (SECRET_META_FIELDS.includes(key as string)) secretMeta.items.push(pair);
    else meta.items.push(pair);
  }
  // The `metadata` pair itself is kept: comments on its key stay.
  const metaPair = metadata ?? new Pair(new Scalar("metadata"));
  metaPair.value = meta;
  resource.items.push(metaPair);
  for (const field of ["type", "immutable"]) {
    const pair = pairOf(old, field);
    if (pair) spec.items.push(pair);
  }
  if (secretMeta.items.length > 0) spec.set("metadata", secretMeta);
  const placed = new Set<unknown>();
  for (const field of ["data", "stringData"]) {
    const pair = pairOf(old, field);
    if (!pair) continue;
    for (const [key, scalar] of valuesOf(pair, field, aside)) {
      const value = typeof scalar.value === "string" ? scalar.value : String(scalar.value ?? "");
      if (!aside.holdsAny(value)) {
        // An S5Secret is written to be committed: a value without a token would be plaintext in git.
        if (value !== "") {
          warn?.(
            `${name}: ${field}.${shownKey(aside, key)} holds no token: it is plaintext in the S5Secret (encrypt it with \`s5 cipher\`, or mark it {{ s5:seal … }} and run \`s5 seal\`)`,
          );
        }
        continue;
      }
      placed.add(scalar);
      scalar.type = Scalar.QUOTE_DOUBLE;
      scalar.tag = undefined;
      for (const placeholder of aside.tokensIn(value)) {
        const token = aside.tokenOf(placeholder)!;
        // A whole value that is one token: its `| yaml` made a YAML scalar; here it is a string.
        const last = token.filters.at(-1);
        const drop =
          field === "stringData" && value === placeholder && (last === "yaml" || last === "json");
        const filters = drop ? token.filters.slice(0, -1) : token.filters;
        aside.setToken(placeholder, tokenText(token, filters, aside.textOf(placeholder)));
      }
    }
    spec.items.push(pair);
  }
  resource.items.push(new Pair(new Scalar("spec"), spec));
  refuseStrayTokens(resource, aside, placed);
  return finish(resource, old, doc, aside, placed);
}

/**
 * `spec.metadata` back into `metadata`, key by key: a label or annotation both set with
 * different values is refused (kubectl would silently keep the last of two `labels` keys).
 */
function mergeMetadata(target: YAMLMap, extra: YAMLMap, aside: Aside): void {
  const same = (a: unknown, b: unknown) => isScalar(a) && isScalar(b) && a.value === b.value;
  const conflict = (node: unknown, key: string, shown = shownKey(aside, key)) =>
    shapeError(
      aside,
      node,
      `metadata.${shown} and spec.metadata.${shown} differ`,
      "keep one of them (the Secret gets spec.metadata's)",
      "S5_K8S_METADATA_CONFLICT",
    );
  for (const pair of extra.items) {
    const key = keyOf(pair);
    const there = typeof key === "string" ? pairOf(target, key) : undefined;
    if (!there) addPair([target], pair, extra);
    else if (
      (key === "labels" || key === "annotations") &&
      isMap(there.value) &&
      isMap(pair.value)
    ) {
      for (const inner of pair.value.items) {
        const innerKey = keyOf(inner);
        const found = typeof innerKey === "string" ? pairOf(there.value, innerKey) : undefined;
        if (!found) addPair([target, there.value], inner, pair.value);
        else if (!same(found.value, inner.value)) throw conflict(inner.key, `${key}.${innerKey}`);
      }
    } else if (!same(there.value, pair.value)) throw conflict(pair.key, String(key));
  }
}

function unwrapResource(doc: Document.Parsed, aside: Aside): string {
  const old = doc.contents as YAMLMap;
  refuseMergeKeys(old, aside);
  const secret = new YAMLMap();
  setReplaced(secret, old, "apiVersion", "v1");
  setReplaced(secret, old, "kind", "Secret");
  refuseUnknownFields(old, RESOURCE_FIELDS, `the ${KIND}`, aside, true);
  const metaPair = pairOf(old, "metadata");
  const metadata = mapOrEmpty(metaPair, "metadata", aside);
  const spec = mapOrEmpty(pairOf(old, "spec"), "spec", aside);
  refuseUnknownFields(spec, SPEC_FIELDS, `the ${KIND}'s spec`, aside, true);
  const secretMetaPair = pairOf(spec, "metadata");
  const secretMeta = mapOrEmpty(secretMetaPair, "spec.metadata", aside);
  refuseUnknownFields(secretMeta, SECRET_META_FIELDS, `the ${KIND}'s spec.metadata`, aside, true);
  // `spec:` and `spec.metadata:` are dissolved: their comments go before what they held.
  const specComments = commentsOf(pairOf(old, "spec"));
  const metaComments = commentsOf(secretMetaPair);
  if (!commentBefore(secretMeta.items[0], metaComments)) specComments.push(...metaComments);
  if (secretMetaPair) mergeMetadata(metadata, secretMeta, aside);
  const newPair = metaPair ?? new Pair(new Scalar("metadata"));
  newPair.value = metadata;
  secret.items.push(newPair);
  const placed = new Set<unknown>();
  for (const field of ["type", "immutable", "data", "stringData"]) {
    const pair = pairOf(spec, field);
    if (!pair) continue;
    if (field === "data" || field === "stringData") {
      for (const [, scalar] of valuesOf(pair, field, aside)) {
        // Only a value that is exactly one token: `"  {{ s5:… }}\n"` keeps its white space.
        const placeholder = typeof scalar.value === "string" ? scalar.value : "";
        const token = aside.tokenOf(placeholder);
        if (!token) continue;
        // Back in a Secret manifest a whole-value token stands bare, as s5 users write it;
        // under stringData it is read as YAML there: `| yaml` again.
        const filters = field === "stringData" ? [...token.filters, "yaml"] : token.filters;
        aside.setToken(placeholder, tokenText(token, filters, aside.textOf(placeholder)));
        placed.add(scalar);
        scalar.type = Scalar.PLAIN;
        scalar.tag = undefined;
      }
    }
    if (commentBefore(pair, specComments)) specComments.length = 0;
    secret.items.push(pair);
  }
  if (specComments.length > 0)
    secret.comment = [secret.comment, ...specComments].filter(Boolean).join("\n");
  return finish(secret, old, doc, aside, placed);
}

/**
 * Turns every `v1` `Secret` of a manifest (one or several YAML documents) into an `S5Secret`;
 * other documents are left as they are. `goToolBackend` names the backend of the Go tool's bare
 * tokens (`{{s5:…}}`), as `--backend` does for the CLI; without it they are an error. `warn`
 * hears of every value that holds no token (it would be committed as plaintext).
 */
export function wrapManifest(
  text: string,
  name = "<stdin>",
  goToolBackend?: BackendName | undefined,
  warn?: (message: string) => void,
): string {
  const aside = new Aside(text, name, goToolBackend);
  const replaced = new Map<Document.Parsed, string>();
  for (const doc of parseManifest(aside)) {
    refuseInLists(doc, aside, "v1", "Secret");
    if (isKind(doc, "v1", "Secret")) replaced.set(doc, wrapSecret(doc, aside, name, warn));
  }
  if (replaced.size === 0) {
    throw new KubernetesError("S5_K8S_NO_SECRET", "the manifest holds no Secret (apiVersion v1)", {
      location: { file: name, line: 1, column: 1 },
      hint: "wrap takes a Secret manifest; unwrap takes an S5Secret",
    });
  }
  return splice(aside, replaced);
}

/** Turns every `S5Secret` of a manifest back into the `Secret` with tokens it stands for. */
export function unwrapManifest(
  text: string,
  name = "<stdin>",
  goToolBackend?: BackendName | undefined,
): string {
  const aside = new Aside(text, name, goToolBackend);
  const replaced = new Map<Document.Parsed, string>();
  for (const doc of parseManifest(aside)) {
    refuseInLists(doc, aside, API_VERSION, KIND);
    refuseOtherVersions(doc, aside);
    if (isKind(doc, API_VERSION, KIND)) replaced.set(doc, unwrapResource(doc, aside));
  }
  if (replaced.size === 0) {
    throw new KubernetesError(
      "S5_K8S_NO_SECRET",
      `the manifest holds no ${KIND} (${API_VERSION})`,
      {
        location: { file: name, line: 1, column: 1 },
        hint: "unwrap takes an S5Secret; wrap takes a Secret manifest",
      },
    );
  }
  return splice(aside, replaced);
}
