/** SARIF 2.1.0 output of `s5 check`, the format GitHub code scanning uploads. */
import { relative, resolve, sep } from "node:path";
import type { Location } from "@s5/core";

/** One finding of `s5 check`: where, what (never a plaintext) and its stable code. */
export interface Problem {
  location: Location;
  message: string;
  code: string;
  /** Shown, but not failing the check (a copied token: it may be meant). */
  warning?: boolean;
}

/** What each problem code means, for the SARIF rules (codes not listed get a generic text). */
const RULES: Record<string, string> = {
  S5_CHECK_BACKEND: "A place whose new token is of another backend than at the base commit",
  S5_CHECK_CONFIG:
    "A project config change that changes where new values are sealed or who reads them",
  S5_CHECK_COPY: "The same token at two places: a copy, one secret reaching a second place",
  S5_CHECK_LFS:
    "A staged file git-lfs stores whose content was found nowhere: only its pointer was checked",
  S5_CHECK_MOVED: "A token that stood at another place at the base commit: moved or swapped",
  S5_CHECK_PLAINTEXT: "A value that looks like an unencrypted secret, in a file with tokens",
  S5_CHECK_RENDERED:
    "A value in clear where a token stood at HEAD or the base commit, or in a new copy of a file of tokens: a file rendered",
  S5_CHECK_SECRET_KEY: "An s5 secret key (an identity), which opens every value sealed to it",
  S5_CHECK_TOO_OLD: "A Vault token below its key's min_decryption_version",
  S5_K8S_DATA_BASE64: "An S5Secret's spec.data value that is not base64 once decrypted",
  S5_TOKEN_MALFORMED: "A malformed s5 token",
  S5_TOKEN_UNSEALED: "A value still marked {{ s5:seal … }}",
};

/** A path as SARIF wants it: relative to the working directory, with `/`. */
/** A relative URI reference: each path segment percent-encoded (`my file#1.yml` → `my%20file%231.yml`). */
function uriOf(file: string): string {
  return relative(process.cwd(), resolve(file))
    .split(sep)
    .map((segment) => (segment === ".." ? segment : encodeURIComponent(segment)))
    .join("/");
}

/** The SARIF log of a check run. */
export function toSarif(problems: readonly Problem[], version: string): object {
  const ids = [...new Set(problems.map((problem) => problem.code))].sort();
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "s5",
            version,
            informationUri: "https://github.com/s5-dev/s5",
            rules: ids.map((id) => ({
              id,
              shortDescription: { text: RULES[id] ?? `s5 check: ${id}` },
              defaultConfiguration: { level: levelOf(id, problems) },
            })),
          },
        },
        originalUriBaseIds: { "%SRCROOT%": { uri: `${pathToUri(process.cwd())}/` } },
        results: problems.map(({ location, message, code, warning }) => ({
          ruleId: code,
          ruleIndex: ids.indexOf(code),
          level: warning ? "warning" : "error",
          message: { text: message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: uriOf(location.file), uriBaseId: "%SRCROOT%" },
                region: { startLine: location.line, startColumn: location.column },
              },
            },
          ],
        })),
      },
    ],
  };
}

/** A rule's level: that of its results (a code is always one or the other). */
function levelOf(code: string, problems: readonly Problem[]): "warning" | "error" {
  return problems.find((problem) => problem.code === code)?.warning ? "warning" : "error";
}

function pathToUri(path: string): string {
  return `file://${path.split(sep).map(encodeURIComponent).join("/")}`;
}
