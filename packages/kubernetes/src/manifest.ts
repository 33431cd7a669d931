/**
 * `s5 k8s wrap` and `unwrap`: a Secret manifest with s5 tokens ⇄ an S5Secret, comments kept.
 *
 * A Secret with tokens is not YAML until rendered (`password: {{ s5:… | yaml }}`), so each token
 * is set aside (core finds them; nothing here reads a token's insides), the YAML is edited, and
 * the tokens go back. In an S5Secret the values are YAML strings, so a token is quoted, and the
 * `| yaml` (or `| json`) filter that made a Secret's `stringData` value a YAML scalar is dropped;
 * `unwrap` puts it back. `data` keeps `| base64`: a Secret's `data` is base64 either way.
 */
import { randomBytes } from "node:crypto";
import {
  type BackendName,
  type FoundToken,
  findTokens,
  formatToken,
  TokenFailures,
} from "@s5/core";
import { type Document, isMap, isScalar, parseAllDocuments, Scalar, YAMLMap } from "yaml";
import { KubernetesError } from "./errors.ts";
import { API_VERSION, KIND } from "./resource.ts";

interface SetAside {
  text: string;
  /** Placeholder → token text to put back. */
  tokens: Map<string, string>;
  pattern: RegExp;
}

/** Replaces every token of `text` with a plain word; the map gives each token back. */
function setTokensAside(
  text: string,
  name: string,
  goToolBackend: BackendName | undefined,
): SetAside & { found: Map<string, FoundToken> } {
  const found = findTokens({ name, content: text }, goToolBackend);
  if (found.failures.length > 0) throw new TokenFailures(found.failures);
  const nonce = randomBytes(6).toString("hex");
  const tokens = new Map<string, string>();
  const byPlaceholder = new Map<string, FoundToken>();
  let out = "";
  let at = 0;
  for (const [i, token] of found.tokens.entries()) {
    const placeholder = `s5token${nonce}n${i}`;
    tokens.set(placeholder, tokenText(token, token.filters, text.slice(token.start, token.end)));
    byPlaceholder.set(placeholder, token);
    out += text.slice(at, token.start) + placeholder;
    at = token.end;
  }
  out += text.slice(at);
  return {
    text: out,
    tokens,
    found: byPlaceholder,
    pattern: new RegExp(`s5token${nonce}n\\d+`, "g"),
  };
}

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

function parse(text: string, name: string): Document[] {
  const docs = parseAllDocuments(text, { keepSourceTokens: false });
  if (!Array.isArray(docs)) return [];
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) {
      const [line, column] = error.linePos?.[0]
        ? [error.linePos[0].line, error.linePos[0].col]
        : [1, 1];
      throw new KubernetesError("S5_K8S_YAML", `${error.code}: this is not YAML`, {
        location: { file: name, line, column },
        hint: "fix the manifest; tokens may stand where a value goes",
      });
    }
  }
  return docs;
}

function stringify(docs: Document[]): string {
  return docs
    .map((doc, i) => {
      const text = doc.toString({ lineWidth: 0 });
      return i > 0 && !text.startsWith("---") ? `---\n${text}` : text;
    })
    .join("");
}

/** A new map in place of `old`, keeping the comments around it. */
function replaceContents(doc: Document, map: YAMLMap): void {
  const old = doc.contents;
  if (isMap(old)) {
    // A comment at the top of the document belongs to its first key.
    const first = old.items[0]?.key;
    map.commentBefore = old.commentBefore ?? (isScalar(first) ? first.commentBefore : undefined);
    map.comment = old.comment;
  }
  doc.contents = map;
}

const kindOf = (doc: Document) =>
  isMap(doc.contents) ? [doc.get("apiVersion"), doc.get("kind")] : [];

/** Every string scalar under `node` whose value contains a placeholder is double-quoted. */
function quotePlaceholders(node: unknown, pattern: RegExp): void {
  if (isScalar(node)) {
    if (typeof node.value === "string" && node.value.search(pattern) !== -1) {
      node.type = Scalar.QUOTE_DOUBLE;
    }
    pattern.lastIndex = 0;
    return;
  }
  if (isMap(node)) for (const pair of node.items) quotePlaceholders(pair.value, pattern);
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
  const aside = setTokensAside(text, name, goToolBackend);
  const docs = parse(aside.text, name);
  let wrapped = 0;
  for (const doc of docs) {
    const [apiVersion, kind] = kindOf(doc);
    if (apiVersion !== "v1" || kind !== "Secret") continue;
    wrapped++;
    const metadata = doc.get("metadata", true);
    const resource = new YAMLMap();
    resource.set("apiVersion", API_VERSION);
    resource.set("kind", KIND);
    const meta = new YAMLMap();
    const spec = new YAMLMap();
    const secretMeta = new YAMLMap();
    if (isMap(metadata)) {
      for (const pair of metadata.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (key === "labels" || key === "annotations") secretMeta.items.push(pair);
        else meta.items.push(pair);
      }
    }
    resource.set("metadata", meta);
    for (const field of ["type", "immutable"]) {
      if (doc.has(field)) spec.set(field, doc.get(field, true));
    }
    if (secretMeta.items.length > 0) spec.set("metadata", secretMeta);
    for (const field of ["data", "stringData"]) {
      const values = doc.get(field, true);
      if (values === undefined) continue;
      // An S5Secret is written to be committed: a value without a token would be plaintext in git.
      if (warn && isMap(values)) {
        for (const pair of values.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : "?";
          const value = isScalar(pair.value) ? String(pair.value.value ?? "") : "";
          aside.pattern.lastIndex = 0;
          if (value !== "" && !aside.pattern.test(value)) {
            warn(
              `${name}: ${field}.${key} holds no token: it is plaintext in the S5Secret (encrypt it with \`s5 cipher\`, or mark it {{ s5:seal … }} and run \`s5 seal\`)`,
            );
          }
          aside.pattern.lastIndex = 0;
        }
      }
      if (field === "stringData" && isMap(values)) {
        // A whole value that is one token: its `| yaml` made a YAML scalar; here it is a string.
        for (const pair of values.items) {
          const value = pair.value;
          if (!isScalar(value) || typeof value.value !== "string") continue;
          const token = aside.found.get(value.value.trim());
          const last = token?.filters.at(-1);
          if (token && (last === "yaml" || last === "json")) {
            aside.tokens.set(value.value.trim(), tokenText(token, token.filters.slice(0, -1)));
          }
        }
      }
      spec.set(field, values);
    }
    resource.set("spec", spec);
    quotePlaceholders(spec.get("data", true), aside.pattern);
    quotePlaceholders(spec.get("stringData", true), aside.pattern);
    replaceContents(doc, resource);
  }
  if (wrapped === 0) {
    throw new KubernetesError("S5_K8S_NO_SECRET", "the manifest holds no Secret (apiVersion v1)", {
      location: { file: name, line: 1, column: 1 },
      hint: "wrap takes a Secret manifest; unwrap takes an S5Secret",
    });
  }
  return stringify(docs).replace(aside.pattern, (placeholder) => aside.tokens.get(placeholder)!);
}

/** Turns every `S5Secret` of a manifest back into the `Secret` with tokens it stands for. */
export function unwrapManifest(
  text: string,
  name = "<stdin>",
  goToolBackend?: BackendName | undefined,
): string {
  const docs = parse(text, name);
  const nonce = randomBytes(6).toString("hex");
  const pattern = new RegExp(`s5token${nonce}n\\d+`, "g");
  const tokens = new Map<string, string>();
  let unwrapped = 0;
  for (const doc of docs) {
    const [apiVersion, kind] = kindOf(doc);
    if (apiVersion !== API_VERSION || kind !== KIND) continue;
    unwrapped++;
    const spec = doc.get("spec", true);
    const secret = new YAMLMap();
    secret.set("apiVersion", "v1");
    secret.set("kind", "Secret");
    const meta = doc.get("metadata", true);
    const metadata = isMap(meta) ? meta : new YAMLMap();
    if (isMap(spec)) {
      const secretMeta = spec.get("metadata", true);
      if (isMap(secretMeta)) metadata.items.push(...secretMeta.items);
    }
    secret.set("metadata", metadata);
    if (isMap(spec)) {
      for (const field of ["type", "immutable", "data", "stringData"]) {
        const value = spec.get(field, true);
        if (value === undefined) continue;
        if ((field === "data" || field === "stringData") && isMap(value)) {
          for (const pair of value.items) {
            const scalar = pair.value;
            if (!isScalar(scalar) || typeof scalar.value !== "string") continue;
            const found = findTokens({ name, content: scalar.value }, goToolBackend);
            const token = found.tokens[0];
            if (found.tokens.length !== 1 || found.failures.length > 0 || !token) continue;
            if (scalar.value.trim() !== scalar.value.slice(token.start, token.end)) continue;
            // Back in a Secret manifest a whole-value token stands bare, as s5 users write it;
            // under stringData it is read as YAML there: `| yaml` again.
            const filters = field === "stringData" ? [...token.filters, "yaml"] : token.filters;
            const placeholder = `s5token${nonce}n${tokens.size}`;
            tokens.set(placeholder, tokenText(token, filters, scalar.value.trim()));
            scalar.value = placeholder;
            scalar.type = Scalar.PLAIN;
          }
        }
        secret.set(field, value);
      }
    }
    replaceContents(doc, secret);
  }
  if (unwrapped === 0) {
    throw new KubernetesError(
      "S5_K8S_NO_SECRET",
      `the manifest holds no ${KIND} (${API_VERSION})`,
      {
        location: { file: name, line: 1, column: 1 },
        hint: "unwrap takes an S5Secret; wrap takes a Secret manifest",
      },
    );
  }
  return stringify(docs).replace(pattern, (placeholder) => tokens.get(placeholder)!);
}
