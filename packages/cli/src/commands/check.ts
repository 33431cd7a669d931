import { constants } from "node:buffer";
import { basename, dirname, relative, resolve } from "node:path";
import {
  BackendError,
  type Backends,
  ConfigError,
  createBackends,
  ExitCode,
  type FoundTokens,
  findProjectFile,
  findTokens,
  formatLocation,
  KeyError,
  type Location,
  PROJECT_FILE,
  resolveSettings,
  resolveTokens,
  type S5Error,
  type Settings,
  type TokenFailure,
  toS5Error,
  vaultTransit,
} from "@s5/core";
import {
  bytesAsText,
  checkPlaces,
  clearS5SecretValues,
  documentKind,
  findSecretKeys,
  findSuspectSecrets,
  goToolBackendOf,
  joinMarks,
  mayHoldNearMiss,
  nearMissMarkers,
  realDirectoryOf,
  showable,
  showableJson,
  tooOldAdvice,
  vaultEnvAddress,
} from "@s5/core/internal";
import { overridesFrom } from "../args.ts";
import type { Context } from "../context.ts";
import { findCopies } from "../copies.ts";
import { BACKEND_WORDS, defineCommand } from "../define.ts";
import { readStaged, refuseConfigsOutOfIndex } from "../git-staged.ts";
import { findRendered, type History, heldTo, readHistory, sealedInWorkTree } from "../history.ts";
import { type Unread, workTreeContent } from "../lfs.ts";
import { findPlaceChanges } from "../moves.ts";
import { backendOptions, commonOptions } from "../options.ts";
import { type Problem, toSarif } from "../sarif.ts";
import { stdoutStream, writeStdout } from "../stdout.ts";
import { textFiles } from "../walk.ts";

const CHECK_FORMATS = ["text", "json", "sarif"] as const;

/** A file with tokens: its tokens and bytes, for the decrypt check and where its values land. */
interface Checked {
  file: string;
  found: FoundTokens;
  content: Buffer;
}

/** The name of write.ts's temporary files (`.NAME.s5-` and 12 hex digits), left only by SIGKILL. */
const LEFTOVER = /^\..+\.s5-[0-9a-f]{12}$/;

/**
 * Key errors that are problems wherever the check runs: a local key this project does not list
 * (nobody here can ever decrypt its tokens: copied from another project, or planted), and a
 * project config altered around a key.
 */
const PROJECT_KEY_PROBLEMS = new Set([
  "S5_KEY_LOCAL_UNKNOWN",
  "S5_KEY_LOCAL_MISMATCH",
  "S5_KEY_LOCAL_TAMPERED",
]);

/**
 * The UTF-8 offset of each offset in `text`, asked in ascending order: counted on from the last
 * one, not from the start each time (a file with 50,000 findings re-read its first half for each).
 */
function byteOffsets(text: string): (offset: number) => number {
  let at = 0;
  let bytes = 0;
  return (offset) => {
    if (offset < at) {
      at = 0;
      bytes = 0;
    }
    bytes += Buffer.byteLength(text.slice(at, offset));
    at = offset;
    return bytes;
  };
}

/** Errors that mean "no key here", not "this token is bad". */
function keyUnavailable(error: S5Error): boolean {
  if (error instanceof KeyError) return !PROJECT_KEY_PROBLEMS.has(error.code);
  // Setup that is missing here (no VAULT_ADDR, no transit engine at the mount: exit 7, as a
  // missing key) is no Vault access, like a missing Vault token; setup there but wrong (12) is
  // a problem.
  if (error instanceof ConfigError) return error.exitCode === ExitCode.key;
  return (
    error instanceof BackendError &&
    (error.exitCode === ExitCode.denied || error.exitCode === ExitCode.unavailable)
  );
}

/**
 * Vault tokens below the key's min_decryption_version, found from the key's versions alone: this
 * needs only `read` on the key, not the right to decrypt.
 */
async function checkVaultVersions(
  all: readonly FoundTokens[],
  settings: Settings,
  backends: Backends,
  problems: Problem[],
) {
  const vaultTokens = all.flatMap((found) =>
    found.tokens
      .filter((token) => token.info.backend === "vault")
      .map((token) => ({ token, found })),
  );
  if (vaultTokens.length === 0 || !vaultEnvAddress(settings.env)) return;
  try {
    const versions = await (await backends.get("vault")).keyVersions?.();
    if (!versions) {
      process.stderr.write("note: Vault key versions not checked (no `read` on the transit key)\n");
      return;
    }
    const transit = vaultTransit(settings);
    for (const { token, found } of vaultTokens) {
      const version = token.info.version ?? 1;
      if (version < versions.minDecryption) {
        problems.push({
          location: found.lines.locate(token.start),
          // Vault rewraps only what it may still decrypt: `s5 rewrap` alone fails on this token.
          message: `key version ${version} is below the key's min_decryption_version ${versions.minDecryption}: Vault no longer opens it, nor rewraps it; ${tooOldAdvice(version, transit.mount, transit.key)}`,
          code: "S5_CHECK_TOO_OLD",
        });
      }
    }
  } catch (error) {
    process.stderr.write(`note: Vault key versions not checked: ${toS5Error(error).message}\n`);
  }
}

/**
 * Local-key tokens whose key the project's .s5.json does not list, found from the list alone, for
 * `--no-decrypt` (the pre-commit hook): no key is needed to see it, and a token pasted from another
 * project passed the hook, to fail only where CI decrypts. Without a project config there is no
 * list to hold them to.
 */
function checkListedKeys(all: readonly FoundTokens[], settings: Settings, problems: Problem[]) {
  if (!settings.project) return;
  const listed = new Set((settings.project.config.local?.keys ?? []).map((key) => key.id));
  for (const found of all) {
    for (const token of found.tokens) {
      if (token.info.backend !== "local" || listed.has(token.info.key)) continue;
      problems.push({
        location: found.lines.locate(token.start),
        message: `local key ${token.info.key} is not in the project config`,
        code: "S5_KEY_LOCAL_UNKNOWN",
      });
    }
  }
}

/** Values that decrypted, and are refused for where they land (their hint says the fix). */
const REFUSED_VALUES = new Set(["S5_VALUE_CONTEXT", "S5_K8S_DATA_BASE64"]);

const where = ({ file, line, column }: Location) => `${file}:${line}:${column}`;

/**
 * The files with tokens, by the project each belongs to: the nearest `.s5.json` above its real
 * place (core's `realDirectoryOf`: links followed, as every command takes a file's project; none:
 * undefined), or all in one when a config is named (`--config`, `S5_CONFIG`). Each group keeps
 * the directory of its first file, to resolve its settings from.
 */
function byProject(
  all: readonly Checked[],
  named: boolean,
  staged: boolean,
): Map<string | undefined, { dir: string; files: Checked[] }> {
  const groups = new Map<string | undefined, { dir: string; files: Checked[] }>();
  const known = new Map<string, string>();
  for (const checked of all) {
    // A staged file is the index's content at its name: a link the work tree has there now is
    // not what is checked (git keeps no file beyond a linked directory).
    // A named config is every file's project: no link is looked at.
    const dir = named
      ? dirname(resolve(checked.file))
      : realDirectoryOf(checked.file, known, !staged);
    const project = named ? undefined : findProjectFile(dir);
    const group = groups.get(project);
    if (group) group.files.push(checked);
    else groups.set(project, { dir, files: [checked] });
  }
  return groups;
}

/**
 * Decrypts every token (one batch per backend); a token that fails is a problem unless its key is
 * not available here, and so is a value that `s5 render` would refuse where it stands (it would
 * rewrite its file). Returns how many tokens did not decrypt, problems or not.
 */
async function checkDecrypt(files: readonly Checked[], backends: Backends, problems: Problem[]) {
  const all = files.map(({ found }) => found);
  const failures: TokenFailure[] = [];
  const values = await resolveTokens(all, backends, { failures });
  for (const [i, { file, found, content }] of files.entries()) {
    checkPlaces(
      { name: file, content },
      found.tokens,
      values[i]!,
      () => found.lines,
      failures,
      undefined,
      "check",
    );
  }
  // Malformed tokens come back too: reported already, and not counted among the tokens.
  const malformed = new Set(all.flatMap((found) => found.failures));
  const reported = new Set(problems.map((problem) => where(problem.location)));
  const unavailable = new Map<string, number>();
  let undecrypted = 0;
  for (const failure of failures) {
    if (malformed.has(failure)) continue;
    const { location, error: cause } = failure;
    // Decrypted, but where it stands it would rewrite its file (render refuses it), or the s5
    // controller would refuse its S5Secret.
    const refused = REFUSED_VALUES.has(cause.code);
    if (!refused) undecrypted++;
    if (reported.has(where(location))) continue;
    if (keyUnavailable(cause)) {
      unavailable.set(cause.message, (unavailable.get(cause.message) ?? 0) + 1);
    } else {
      // Which filter fits is the fix of a refused value: said with it.
      const fix = refused && cause.hint ? `; ${cause.hint}` : "";
      problems.push({ location, message: cause.message + fix, code: cause.code });
    }
  }
  for (const [reason, count] of unavailable) {
    process.stderr.write(`note: ${count} token(s) not decrypted here: ${reason}\n`);
  }
  return undecrypted;
}

/**
 * Files read while git answers, before s5 waits for it: every `WAIT_STEP` files the answer is
 * let in (Node reads a child's output only between them).
 */
const WAIT_FILES = 4096;
const WAIT_BYTES = 64 * 1024 * 1024;
const WAIT_STEP = 32;

const noop = () => {};

/** A byte-order mark (UTF-8). */
const BYTE_ORDER_MARK = Buffer.from("\ufeff");

export default defineCommand({
  name: "check",
  summary: "find bad tokens and plaintext secrets",
  description: `For CI and pre-commit hooks. Exits 10 when it finds a problem:
  - a malformed token, an unknown filter, or a value still marked {{ s5:seal … }} (or
    written almost like it: {{ s5 seal … }});
  - a token that does not decrypt, where a key to decrypt it is available here, and a local-key
    token whose key its project's .s5.json (the nearest above the file) does not list (nobody
    here can decrypt it; found with --no-decrypt too) or whose key entry was altered; tokens
    whose key is not available here (no identity, not a recipient, no AES key, no Vault address
    or access) are counted as not decrypted and do not fail;
  - a Vault token below its key's min_decryption_version (lowered to the token's version,
    \`s5 rewrap\` moves it);
  - a decrypted value that \`s5 render\` would refuse where it stands in a .json, .yaml/.yml,
    .env, .tf/.tfvars/.hcl or .toml file (it would end its string or scalar: S5_VALUE_CONTEXT,
    with the filter that fits); the values of an S5Secret's spec.data and spec.stringData,
    which the s5 controller decrypts one by one and never splices into YAML, are not judged
    (in the shape \`s5 k8s wrap\` writes; \`s5 render\` refuses them), except that a
    spec.data value must be base64 once decrypted, as the controller refuses it otherwise
    (S5_K8S_DATA_BASE64: add \`| base64\`);
  - in any file, an s5 secret key (an identity, \`s5 keys generate\`'s output);
  - a value of an S5Secret's spec.data or spec.stringData that holds no token (in the shape
    \`s5 k8s wrap\` writes), whatever else the file holds;
  - in a file with tokens, a value that looks like an unencrypted secret (a secret-sounding key,
    a known credential format, or a long random-looking string). A file that held tokens at
    HEAD (--staged, or a file of a git work tree), at REF (--base), or in the work tree beside
    the index (--staged) is one with tokens, whatever the content checked holds;
  - a value in clear where a token stood at HEAD or REF, on a line otherwise the same (a file
    rendered in place, \`s5 render -i\`, then staged: S5_CHECK_RENDERED); a placeholder or a
    reference put there (none, \`\${DB_PASSWORD}\`) is not one; and a new file that mostly
    repeats a file of tokens git tracks, its lines of tokens filled in with values (a copy
    rendered, \`s5 render FILE > COPY\`, then staged: S5_CHECK_RENDERED).
Put \`s5:ignore\` in a comment on a line to skip it.
It warns (on stderr; exit code unchanged) where one token stands at two places (S5_CHECK_COPY):
every seal makes a new ciphertext, so it is a copy, one secret reaching a second place (a
ConfigMap, a client module); mark each of its lines s5:ignore where that is meant. With --base
REF (a pull request's CI: --base origin/main), it also warns where a token stood at another
place at REF (S5_CHECK_MOVED): a token moved, or two swapped, takes its value to its new place;
where a place's new token is of another backend than at REF (S5_CHECK_BACKEND); and where a
project config (.s5.json) changed since REF where new values go or who may read them
(S5_CHECK_CONFIG: backend, transit key or mount, the encrypting local key, a recipient added,
a sub-project's config removed, whose files then take the next one's settings).
REF is taken where this branch left it (git merge-base), as a pull request's diff is.
Directories are walked, honouring .gitignore as git does (in a git work tree: those above them,
info/exclude and core.excludesFile too, and every file git tracks is read). Default: the
current directory. With --staged (a pre-commit hook), the files staged for the next commit, with
the content the commit will have. A file git stores through git-lfs is checked as its content (from
the LFS store where it hashes to git's pointer), not as the pointer: S5_CHECK_LFS warns where a
staged one's content is found nowhere.`,
  positionals: [
    { name: "BACKEND", optional: true, complete: BACKEND_WORDS },
    { name: "FILE|DIR", optional: true, multiple: true, complete: "file" },
  ],
  options: {
    ...commonOptions,
    ...backendOptions,
    "no-decrypt": {
      type: "boolean",
      description:
        "only check syntax, plaintext secrets and local keys the project lists (no key needed)",
    },
    format: {
      type: "string",
      value: "FORMAT",
      choices: CHECK_FORMATS,
      description: "text (file:line:col: message), json (an array of problems) or sarif (2.1.0)",
      default: "text",
    },
    json: { type: "boolean", description: "the same as --format json" },
    base: {
      type: "string",
      value: "REF",
      description:
        "warn where a token stood at another place at git commit REF, where this branch left it",
    },
    staged: {
      type: "boolean",
      description: "check what is staged for the next commit, as git will commit it (hooks)",
    },
  },
  examples: [
    "s5 check .",
    "s5 check --format sarif . > s5.sarif   # for GitHub code scanning",
    "s5 check --base origin/main .          # a pull request: tokens moved since main",
  ],
  async run({ values, positionals, backendWord }, context: Context) {
    const format = values.json ? "json" : (values.format ?? "text");
    if (
      !(CHECK_FORMATS as readonly string[]).includes(format) ||
      (values.json && values.format && values.format !== "json")
    ) {
      context.usage("--format is text, json or sarif (--json is --format json)");
    }
    const settings = resolveSettings({ overrides: overridesFrom(values, backendWord) });
    const goToolBackend = goToolBackendOf(settings);
    const problems: Problem[] = [];
    const hints = new Set<string>();
    const all: Checked[] = [];
    /** The project configs among the files, for --base. */
    const configs: { file: string; content: Buffer }[] = [];
    let files = 0;
    if (values.staged && positionals.length > 0) {
      context.usage("--staged checks what git has staged; it takes no FILE or DIR");
    }
    // With --staged, an index that decides nothing yet is refused here, before anything is read.
    const staged = values.staged ? readStaged() : undefined;
    /** Files git-lfs stores whose content was found nowhere: their pointer was checked. */
    const unread = staged ? staged.unread : [];
    const inputs = staged ? staged.files : asContent(textFiles(positionals), unread);
    // Asked of git before the walk, and read while git answers (`git diff HEAD` of a large tree
    // is tens of ms). A failure is thrown where the history is waited for.
    let history: History | undefined;
    const reading = readHistory(Boolean(values.staged), values.base, positionals, staged?.head);
    reading.then((read) => {
      history = read;
    }, noop); // a failure is thrown where the history is waited for
    /** The files that held tokens at HEAD or REF (--base): their values may be in clear now. */
    const heldToEarlier: Checked[] = [];
    const checkFile = (file: string, content: Buffer, history: History) => {
      files++;
      if (values.base !== undefined && basename(file) === PROJECT_FILE) {
        configs.push({ file, content });
      }
      if (LEFTOVER.test(basename(file))) {
        problems.push({
          location: { file, line: 1, column: 1 },
          message:
            "a temporary file that an s5 ended by SIGKILL or a power loss left: it may hold plaintext; remove it, never commit it",
          code: "S5_CHECK_LEFTOVER",
        });
      }
      const found = findTokens({ name: file, content }, goToolBackend);
      const sealed = found.tokens.length + found.failures.length > 0;
      const { wasSealed, compared } = heldTo(history, file);
      if (compared) {
        heldToEarlier.push({ file, found, content });
      }
      // A file of secrets is judged by the content checked, whichever of its versions held the
      // tokens: HEAD's or REF's, or the work tree's beside the index's (rendered, staged, sealed
      // again and not staged). Rendered in place, it holds none, and its values passed unseen.
      const ofSecrets = sealed || wasSealed || (Boolean(values.staged) && sealedInWorkTree(file));
      // An s5 secret key where the heuristics do not look (a file of no tokens): an identity, or
      // `keys generate`'s output, on its way into git. In a file of secrets they report it.
      if (!ofSecrets) {
        for (const offset of findSecretKeys(content)) {
          problems.push({
            location: found.lines.locate(offset),
            message:
              "an s5 secret key (an identity, or `s5 keys generate`'s output): whoever reads it opens every value sealed to it; keep it out of git (`git rm --cached FILE`), and if it was ever pushed, remove its recipient and rotate (`s5 keys remove`, `s5 keys rotate`); if it is meant to be public (a test's key), mark the line s5:ignore",
            code: "S5_CHECK_SECRET_KEY",
          });
        }
      }
      for (const { location, error } of found.failures) {
        problems.push({ location, message: error.message, code: error.code });
        // A backend word or filter this s5 does not have: its hint says whether a newer s5's.
        if (error.hint && (error.code === "S5_TOKEN_SCHEME" || error.code === "S5_TOKEN_FILTER")) {
          hints.add(error.hint);
        }
      }
      // The plaintext heuristics read the file as a string, which V8 caps at ~512 MiB: a larger
      // file (a video the pre-commit framework names) is checked for tokens and markers only.
      const asText = content.length <= constants.MAX_STRING_LENGTH;
      if (!asText && ofSecrets) {
        process.stderr.write(
          `note: ${showable(file)}: too large to look for plaintext secrets or near-miss markers in (tokens and markers checked)\n`,
        );
      }
      if (asText && ofSecrets) {
        const text = content.toString("utf8");
        const byteOffset = byteOffsets(text);
        for (const suspect of findSuspectSecrets(text)) {
          problems.push({
            location: found.lines.locate(byteOffset(suspect.offset)),
            message: `${suspect.reason}; encrypt it or mark the line s5:ignore`,
            code: "S5_CHECK_PLAINTEXT",
          });
        }
      }
      // An S5Secret's values are a Secret's data: one that holds no token is committed in clear
      // (`s5 k8s wrap` warns of each), also in a file of no tokens at all (a Secret wrapped before
      // any value was sealed). A line the heuristics reported already is not said twice.
      if (asText && documentKind(file) === "yaml" && content.includes("S5Secret")) {
        const text = bytesAsText(content);
        const said = new Set(
          problems
            .filter((problem) => problem.location.file === file)
            .map((problem) => problem.location.line),
        );
        for (const offset of clearS5SecretValues(text, found.tokens)) {
          const location = found.lines.locate(offset);
          const start = text.lastIndexOf("\n", offset) + 1;
          const feed = text.indexOf("\n", offset);
          if (said.has(location.line)) continue;
          if (text.slice(start, feed === -1 ? text.length : feed).includes("s5:ignore")) continue;
          problems.push({
            location,
            message:
              "a value of an S5Secret with no token: the Secret's data is committed in clear; encrypt it (`s5 cipher`, or mark it {{ s5:seal … }} and run `s5 seal -i`), or mark the line s5:ignore if it is meant to be public (a user name)",
            code: "S5_CHECK_PLAINTEXT",
          });
        }
      }
      // Written like a seal marker but one character away (`{{ s5 seal pw }}`): seal left it.
      if (asText && mayHoldNearMiss(content)) {
        const text = content.toString("utf8");
        // A real marker or malformed token there is already reported (S5_TOKEN_UNSEALED…).
        const reported = new Set(problems.map((problem) => where(problem.location)));
        const byteOffset = byteOffsets(text);
        for (const offset of nearMissMarkers(text)) {
          const location = found.lines.locate(byteOffset(offset));
          if (reported.has(where(location))) continue;
          problems.push({
            location,
            message: "written like a seal marker, but not one: the value after it is in clear",
            code: "S5_CHECK_MARKER",
          });
        }
      }
      // A byte-order mark that starts a line past the first (files a Windows editor saved,
      // joined): kubectl reads no object of the file, or one object of both.
      if (
        asText &&
        found.tokens.length + found.failures.length > 0 &&
        documentKind(file) === "yaml" &&
        content.indexOf(BYTE_ORDER_MARK, 1) !== -1
      ) {
        const text = content.toString("utf8");
        const byteOffset = byteOffsets(text);
        for (const { at, marker } of joinMarks(text)) {
          problems.push({
            location: found.lines.locate(byteOffset(at)),
            message: marker
              ? "a byte-order mark (U+FEFF) before this `---`: kubectl refuses the whole file (its YAML reader takes the `---` for text, not a new document), as other YAML readers do; remove the mark"
              : "a byte-order mark (U+FEFF) starts this line, with no `---` before it: two files joined (the second saved with a mark); kubectl reads both as one object, the keys after the mark replacing those before; put `---` on a line of its own here and remove the mark",
            code: "S5_CHECK_YAML_MARK",
          });
        }
      }
      // Its malformed tokens are reported above; checkDecrypt skips locations already reported.
      if (found.tokens.length > 0) all.push({ file, found, content });
    };
    // Files read before git has answered wait for it, up to a bound: then s5 waits for git.
    const waiting: { file: string; content: Buffer }[] = [];
    let waitingBytes = 0;
    for (const input of inputs) {
      if (!history) {
        waiting.push(input);
        waitingBytes += input.content.length;
        if (waiting.length % WAIT_STEP === 0) await new Promise(setImmediate);
        if (!history && waiting.length < WAIT_FILES && waitingBytes < WAIT_BYTES) continue;
        history ??= await reading;
        for (const one of waiting.splice(0)) checkFile(one.file, one.content, history);
        continue;
      }
      checkFile(input.file, input.content, history);
    }
    if (waiting.length > 0) {
      history ??= await reading;
      for (const one of waiting) checkFile(one.file, one.content, history);
    }

    const tokens = all.reduce((sum, { found }) => sum + found.tokens.length, 0);
    let undecrypted = 0;
    const named = values.config !== undefined || Boolean(process.env.S5_CONFIG);
    const projects = byProject(all, named, Boolean(values.staged));
    if (values.staged) {
      refuseConfigsOutOfIndex([...projects.keys()].filter((key) => key !== undefined));
    }
    for (const [project, { dir, files: checked }] of projects) {
      const found = checked.map((file) => file.found);
      // Each file with the keys of its own project (a monorepo holds several).
      const own =
        named || project === settings.project?.file
          ? settings
          : resolveSettings({ cwd: dir, overrides: overridesFrom(values, backendWord) });
      await using backends = createBackends(own);
      await checkVaultVersions(found, own, backends, problems);
      if (!values["no-decrypt"]) undecrypted += await checkDecrypt(checked, backends, problems);
      else checkListedKeys(found, own, problems);
    }

    problems.push(...unreadContent(unread, await reading, Boolean(values.staged)));
    // One token at two places is a copy: one secret reaching a second place, which a review of
    // opaque tokens cannot see. From the tokens alone: no key needed (the hook finds it too).
    // After the decrypt check, which leaves out places already reported.
    problems.push(...findCopies(all));
    // A token moved since REF leaves one copy: only the earlier files tell (git, tokens alone).
    if (values.base !== undefined) {
      problems.push(
        ...findPlaceChanges(
          all,
          configs,
          (await reading).base!,
          Boolean(values.staged),
          goToolBackend,
          (await reading).placeOf,
        ),
      );
    }
    // A value in clear where a token stood: the worst leak, a failure. It stands for the
    // heuristics' finding on its line, which says less.
    if (heldToEarlier.length > 0) {
      const rendered = findRendered(heldToEarlier, await reading, goToolBackend);
      const lines = new Set(rendered.map(({ location }) => `${location.file}:${location.line}`));
      const kept = problems.filter(
        ({ location, code }) =>
          code !== "S5_CHECK_PLAINTEXT" || !lines.has(`${location.file}:${location.line}`),
      );
      problems.splice(0, problems.length, ...kept, ...rendered);
    }
    problems.sort(
      (a, b) =>
        a.location.file.localeCompare(b.location.file) ||
        a.location.line - b.location.line ||
        a.location.column - b.location.column,
    );
    const failing = problems.filter((problem) => !problem.warning);
    const warnings = problems.length - failing.length;
    // Set before the report is written: a reader that stops early (`| head`) ends s5 with the
    // code the check earned, not 0 (`--json` writes in place, and its EPIPE came first).
    const exitCode = failing.length > 0 ? ExitCode.check : 0;
    process.exitCode = exitCode;
    if (format === "text") {
      // Problems on stdout (what a script reads), warnings on stderr with the notes.
      for (const { location, message, code, warning } of problems) {
        const line = `${formatLocation(location)}: ${message} (${code})\n`;
        if (warning) process.stderr.write(`warning: ${line}`);
        else stdoutStream().write(line);
      }
    } else {
      const output =
        format === "json"
          ? problems.map(({ location: { file, line, column }, message, code, warning }) => ({
              file,
              line,
              column,
              code,
              message,
              level: warning ? "warning" : "error",
            }))
          : toSarif(problems, await version());
      await writeStdout([Buffer.from(`${showableJson(output, 2)}\n`)]);
    }
    const decrypted = values["no-decrypt"]
      ? "not decrypted (--no-decrypt)"
      : `${tokens - undecrypted} decrypted`;
    const warned = warnings > 0 ? `, ${warnings} warning(s)` : "";
    process.stderr.write(
      `checked ${files} file(s), ${tokens} token(s) (${decrypted}): ${failing.length} problem(s)${warned}\n`,
    );
    for (const hint of hints) process.stderr.write(`  hint: ${hint}\n`);
    return exitCode;
  },
});

/**
 * The files of the work tree, those that are git-lfs pointers read as their content where the
 * LFS store has it (lfs.ts); the others named in `unread`.
 */
function* asContent(
  files: Iterable<{ file: string; content: Buffer }>,
  unread: Unread[],
): Generator<{ file: string; content: Buffer }> {
  for (const { file, content } of files) {
    const read = workTreeContent(content);
    if (read.unread) unread.push({ file, extended: read.unread.extended });
    yield { file, content: read.content };
  }
}

/**
 * One warning (S5_CHECK_LFS) per file git-lfs stores whose content s5 could not read: each one
 * staged, those of the work tree changed since HEAD or REF (the others are what was there: a
 * checkout without LFS objects is not a change), and each changed file whose version at HEAD or
 * REF is such a pointer (whether it held tokens there is not known).
 */
function unreadContent(unread: readonly Unread[], history: History, staged: boolean): Problem[] {
  const changed = (file: string) =>
    history.comparisons.some((comparison) => comparison.changed.has(history.placeOf(file)));
  const warning = (file: string, message: string): Problem => ({
    location: { file, line: 1, column: 1 },
    message,
    code: "S5_CHECK_LFS",
    warning: true,
  });
  // Content behind git-lfs extensions (`ext-…`: the object is what they made of it) is never
  // read: no fetch or fsck changes that, and the advice for a missing object sent one looking.
  const extended =
    "stored through git-lfs with extensions (ext-… in its pointer), whose content s5 does not read: only the pointer was checked";
  const problems = unread
    .filter(({ file }) => staged || changed(file))
    .map(({ file, extended: behindExtensions }) =>
      warning(
        file,
        behindExtensions
          ? extended
          : staged
            ? "stored through git-lfs, and its content is neither in the LFS store nor in the work tree (as the index's pointer names it): only the pointer was checked; `git lfs fsck` tells what is missing"
            : "a git-lfs pointer whose content is not in the repository's LFS store (not fetched: `git lfs pull`; in CI, fetch LFS objects with the checkout): only the pointer was checked",
      ),
    );
  for (const { label, unfetched } of history.comparisons) {
    for (const [path, behindExtensions] of unfetched) {
      problems.push(
        warning(
          relative(process.cwd(), path) || path,
          behindExtensions
            ? `its version at ${label} is a git-lfs pointer with extensions (ext-…), whose content s5 does not read: whether it held tokens there is not known`
            : `its version at ${label} is a git-lfs pointer whose content is not in the repository's LFS store (not fetched): whether it held tokens there is not known; fetch that commit's LFS objects (\`git lfs fetch REMOTE COMMIT\`; in CI, the base's as well as the checkout's) and run again`,
        ),
      );
    }
  }
  return problems;
}

async function version(): Promise<string> {
  const { readFileSync } = await import("node:fs");
  return JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version;
}
