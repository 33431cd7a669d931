/**
 * Vault's answers as typed s5 errors. Vault's own error texts are about formats and permissions,
 * never values; still, a text is shown only when it is made of plain words ({@link shownText}).
 */
import {
  BackendError,
  ConfigError,
  DecryptError,
  ExitCode,
  KeyError,
  type S5Error,
} from "../errors.ts";
import { MAX_ANSWER_BYTES, TOO_LARGE } from "./transport.ts";

export type Action = "encrypt" | "decrypt" | "rewrap" | "read" | "login" | "renew" | "lookup";

/** What was being done, for messages. */
export interface Operation {
  action: Action;
  address: string;
  mount?: string | undefined;
  key?: string | undefined;
  /** Auth method and mount for `login`. */
  method?: string | undefined;
  /** The variable that named the proxy the request went through, if any. */
  proxy?: string | undefined;
}

/**
 * Vault's first error text, cleaned of go-multierror framing: for recognising what happened. Only
 * {@link shownText} of it goes into a message.
 */
export function vaultMessage(body: unknown): string {
  const errors = (body as { errors?: unknown } | null)?.errors;
  const first = Array.isArray(errors) && typeof errors[0] === "string" ? errors[0] : "";
  return first
    .replace(/^\d+ errors? occurred:\s*/, "")
    .replace(/\s*\*\s*/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * A word of plain language: `denied`, `Invalid`, `min_decryption_version`, `v2`, `8200`, and the
 * few capitalised abbreviations Vault's texts use (`invalid role or secret ID`): a fixed list, so
 * that no short base64 run of a quoted request passes for one.
 */
const PLAIN_WORD =
  /^(?:[A-Za-z][a-z]*(?:[_-][a-z]+)*|\d{1,6}|v\d{1,4}|IDs?|TTL|JWT|JWKS|OIDC|CA|TLS|URL|API|ACL|HTTPS?|IP|CIDR)$/;
export const NOT_SHOWN =
  "(its message is not shown: it holds more than plain words, and may quote the request)";

/**
 * A text from the server (or from whatever answers in its place), shortened, and shown only when
 * it is made of plain words. Vault's own texts are about formats and permissions, never values;
 * but a proxy, or a server that quotes the request, could echo the base64 plaintext of an encrypt
 * or the token header — mixed-case or digit-bearing strings that no plain word looks like.
 */
export function shownText(text: string): string {
  const short = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  const words = short.split(/[\s,.;:()"'`*/=<>[\]{}!?\u2026|]+/).filter((word) => word !== "");
  return words.every((word) => PLAIN_WORD.test(word)) ? short : NOT_SHOWN;
}

/**
 * A key or mount name as a message shows it. Names are short words; a long run of letters and
 * digits (an AES key or a token given to `-k` by mistake: a valid name) is not shown.
 */
function named(name: string | undefined): string {
  const plain = (name ?? "").split(/[-_./]/).every((part) => part.length <= 16);
  return plain ? (name ?? "") : "(name not shown)";
}

const where = (op: Operation) => `transit key \`${named(op.key)}\` at \`${named(op.mount)}/\``;

/**
 * The hint of a refused login that was retried after an attempt that got no answer: that attempt
 * may have reached Vault and spent a credential that works once.
 */
function loginHint(usual: string, tried: Tried | undefined): string {
  if (!tried?.unanswered) return usual;
  return (
    `an earlier attempt of this login got no answer (${tried.unanswered}) but may have reached ` +
    "Vault: a credential that works once (an AppRole secret_id with secret_id_num_uses = 1, a " +
    `one-time JWT) was then spent by it; get a new one and run again. Otherwise: ${usual}`
  );
}

function denied(op: Operation, status: number, reason = "", tried?: Tried): S5Error {
  const path = `${named(op.mount)}/${op.action}/${named(op.key)}`;
  switch (op.action) {
    case "decrypt":
      return new BackendError(
        "S5_VAULT_DENIED",
        ExitCode.denied,
        `permission denied: this Vault token may not decrypt with ${where(op)}`,
        {
          status,
          hint:
            "an encrypt-only (cipher) token cannot decrypt — that is the point of the split; " +
            `render where a token may \`update\` ${path} (e.g. in CI), or check that VAULT_TOKEN is valid. ` +
            // A Vault ciphertext does not name its key: a right token asked for the wrong key
            // (the default `default`) is refused the same way.
            "Tokens were made with another transit key? Set it: -k KEY, S5_VAULT_TRANSIT_KEY or " +
            "vault.transitKey in .s5.json",
        },
      );
    case "encrypt":
    case "rewrap": {
      // Vault answers 403 alike when the policy lacks `update` and when the key does not exist
      // and the token may not `create` it (upsert): the policies the docs suggest grant
      // `update` only, so a new user's first cipher before the key is made lands here.
      const missing =
        op.action === "encrypt"
          ? `; if the key does not exist yet, \`update\` cannot create it: an admin creates it (\`bao write -f ${named(op.mount)}/keys/${named(op.key)}\`)`
          : "";
      return new BackendError(
        "S5_VAULT_DENIED",
        ExitCode.denied,
        `permission denied: this Vault token may not ${op.action} with ${where(op)}`,
        {
          status,
          hint: `the token's policy needs \`update\` on ${path}${missing}; check VAULT_TOKEN`,
        },
      );
    }
    case "login":
      // Vault's reason (an audience, an expired or unknown service account) is about claims,
      // never a secret: shown as it is.
      return new BackendError(
        "S5_VAULT_LOGIN",
        ExitCode.denied,
        `Vault refused the ${op.method} login at auth/${op.mount}${triedText(tried)}${reason ? `: ${reason}` : ""}`,
        {
          status,
          hint: loginHint(
            op.method === "kubernetes"
              ? "check S5_VAULT_ROLE and the role's bound service account names, namespaces and " +
                  "audience, and that the pod's service account still exists (a deleted one's " +
                  "tokens are refused)"
              : "check the role and credentials (S5_VAULT_ROLE, S5_VAULT_ROLE_ID…)",
            tried,
          ),
        },
      );
    default:
      return new BackendError(
        "S5_VAULT_DENIED",
        ExitCode.denied,
        `permission denied by Vault (${op.action})`,
        { status, hint: "check VAULT_TOKEN and its policies" },
      );
  }
}

/** What {@link invalidToken} is told when s5 sent no token to a Vault Agent. */
export const AGENT_TOKEN = "the Vault Agent's auto-auth token";

/**
 * A 403 where the token itself is refused (it cannot even look itself up): bogus, expired or
 * revoked — not a policy that denies the operation.
 */
export function invalidToken(op: Operation, source: string): S5Error {
  if (source === AGENT_TOKEN) {
    return new KeyError(
      "S5_KEY_VAULT_TOKEN_INVALID",
      `Vault at ${op.address} refused a request without a token (VAULT_AGENT_ADDR is set and no token is)`,
      {
        hint:
          "VAULT_AGENT_ADDR must name a Vault Agent that adds its auto-auth token " +
          "(`api_proxy { use_auto_auth_token = true }`) and is logged in; or set VAULT_TOKEN",
      },
    );
  }
  return new KeyError(
    "S5_KEY_VAULT_TOKEN_INVALID",
    `Vault at ${op.address} does not accept the token from ${source}`,
    {
      hint:
        "it is mistyped, expired or revoked (or has no `default` policy to look itself up): log in " +
        "again (`bao login`), or set a valid VAULT_TOKEN",
    },
  );
}

/** How hard a request was tried; `retryAfterMs` when the server asked for a wait past the budget. */
export interface Tried {
  attempts: number;
  ms: number;
  retryAfterMs?: number | undefined;
  /**
   * How an earlier attempt ended that may have reached Vault and been carried out, though no
   * answer came (`ECONNRESET`, `ETIMEDOUT`, `HTTP 502`…); a refused connection never counts.
   */
  unanswered?: string | undefined;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** How long a request was tried, for a message: ` after 9 attempts over 41.2 s`. */
function triedText(tried: Tried | undefined): string {
  if (!tried || tried.attempts <= 1) return "";
  return ` after ${tried.attempts} attempts over ${seconds(tried.ms)}`;
}

const BUDGET_HINT =
  "the retry budget is VAULT_MAX_RETRIES (count) and S5_VAULT_RETRY_TIMEOUT (total time), " +
  "also `vault.maxRetries` / `vault.retryTimeout` in .s5.json";

/** A whole request that failed with an HTTP status. */
export function responseError(
  status: number,
  body: unknown,
  op: Operation,
  tried?: Tried,
): S5Error {
  // Recognised on Vault's own text (a route names the mount: `transit2/`); shown filtered.
  if (status === 407) return proxyLogin(op);
  const raw = vaultMessage(body);
  const message = shownText(raw);
  if (/namespace not found/.test(raw)) {
    return new ConfigError(
      "S5_CONFIG_VAULT_NAMESPACE",
      `Vault at ${op.address} has no such namespace`,
      {
        hint: "check VAULT_NAMESPACE (or BAO_NAMESPACE); unset it for the root namespace",
      },
    );
  }
  if (/encryption key not found/.test(raw)) {
    return new KeyError("S5_KEY_VAULT_NOT_FOUND", `${where(op)} does not exist`, {
      hint:
        `create it (\`bao write -f ${named(op.mount)}/keys/${named(op.key)}\`) or pick another key ` +
        "with -k/--transit-key or S5_VAULT_TRANSIT_KEY",
    });
  }
  if (/missing client token/.test(raw)) return missingToken();
  if (status === 403 || /permission denied/.test(raw)) {
    return denied(op, status, raw === "permission denied" ? "" : message, tried);
  }
  if (op.action === "login" && status >= 400 && status < 500) {
    return new BackendError(
      "S5_VAULT_LOGIN",
      ExitCode.denied,
      `Vault refused the ${op.method} login at auth/${op.mount}${triedText(tried)}: ${message || `HTTP ${status}`}`,
      { status, hint: loginHint("check S5_VAULT_AUTH_MOUNT, the role and the credentials", tried) },
    );
  }
  if (status === 404 && /no handler for route/.test(raw)) {
    return new ConfigError(
      "S5_CONFIG_VAULT_MOUNT",
      `no transit engine at \`${named(op.mount)}/\``,
      {
        hint:
          `enable it (\`bao secrets enable -path=${named(op.mount)} transit\`) or pass --transit-mount / ` +
          "S5_VAULT_TRANSIT_MOUNT; with namespaces, check VAULT_NAMESPACE",
      },
    );
  }
  if (status === 503 && /sealed/.test(raw)) {
    return new BackendError("S5_VAULT_SEALED", ExitCode.unavailable, "Vault is sealed", {
      status,
      hint: "ask an operator to unseal it, then run again",
    });
  }
  if (tried?.retryAfterMs !== undefined) {
    return new BackendError(
      status === 429 ? "S5_VAULT_RATE_LIMITED" : "S5_VAULT_UNAVAILABLE",
      ExitCode.unavailable,
      `Vault at ${op.address} answered HTTP ${status} (${op.action})${message ? `: ${message}` : ""}, and asked to retry after ${seconds(tried.retryAfterMs)} (Retry-After) — past the retry budget, so s5 stopped${triedText(tried)}`,
      {
        status,
        hint:
          status === 429
            ? `a rate-limit quota on the server stops this client: run fewer jobs at once, ask for a higher quota, or allow a longer wait; ${BUDGET_HINT}`
            : `check the server or cluster; ${BUDGET_HINT}`,
      },
    );
  }
  if (status >= 500 || status === 429) {
    return new BackendError(
      "S5_VAULT_UNAVAILABLE",
      ExitCode.unavailable,
      `Vault at ${op.address} answered HTTP ${status} (${op.action})${triedText(tried)}${message ? `: ${message}` : ""}`,
      { status, hint: `check the server or cluster; ${BUDGET_HINT}` },
    );
  }
  return new BackendError(
    "S5_VAULT_REQUEST",
    ExitCode.unavailable,
    `Vault refused the ${op.action} request (HTTP ${status})${message ? `: ${message}` : ""}`,
    {
      status,
      hint: /complexity|too large/.test(raw)
        ? "lower S5_VAULT_BATCH_SIZE"
        : `${message === NOT_SHOWN ? "the server's log has its message" : "see Vault's message"}; check the key type (derived keys need a context s5 does not send)`,
    },
  );
}

/**
 * What to do about a token below the min_decryption_version of `mount`/`key`, whose version is
 * `version` (`vault:vN:`). Vault rewraps only what it still decrypts: the minimum goes down to the
 * token's version for the rewrap, and up again after. But a token does not name its key, and Vault
 * compares the version before it tries the key: a token of another key below this one's minimum
 * gets the same answer, and lowering this key's minimum would only weaken it for a rewrap that
 * then fails. That case comes first.
 */
export function tooOldAdvice(version: number | undefined, mount: string, key: string): string {
  const to = version ?? "the token's version (vault:vN:)";
  return (
    "a token does not name its key: if it came from another key, rewrap it with that key " +
    `(-k KEY) and leave this one as it is; if from \`${named(key)}\`, lower its ` +
    `min_decryption_version to ${to} (\`bao write ${named(mount)}/keys/${named(key)}/config ` +
    `min_decryption_version=${to}\`), run \`s5 rewrap -i FILE…\`, then raise it again`
  );
}

/** The key version a transit ciphertext names (`vault:v3:…`), or undefined. */
export function ciphertextVersion(ciphertext: string | undefined): number | undefined {
  const match = /^vault:v(\d{1,9}):/.exec(ciphertext ?? "");
  return match ? Number(match[1]) : undefined;
}

/**
 * One item of a batch that Vault could not process. `version`: the key version the item's token
 * names, for the advice about a token below the key's min_decryption_version.
 */
export function itemError(text: string, op: Operation, version?: number): S5Error {
  const message = shownText(text);
  if (/too old|disallowed by policy/.test(text)) {
    const which = version === undefined ? "" : ` ${version}`;
    return new DecryptError(
      "S5_DECRYPT_VAULT_TOO_OLD",
      `this token's key version${which} is below the min_decryption_version of ${where(op)}`,
      { hint: tooOldAdvice(version, op.mount ?? "transit", op.key ?? "KEY") },
    );
  }
  if (/encryption key not found/.test(text)) return responseError(400, { errors: [text] }, op);
  if (/message authentication failed/.test(text)) {
    return new DecryptError("S5_DECRYPT_VAULT", `${where(op)} does not open this token`, {
      hint: "it was made with another key or mount (-k/--transit-key, --transit-mount), or altered",
    });
  }
  if (/version is too new/.test(text)) {
    return new DecryptError(
      "S5_DECRYPT_VAULT_VERSION",
      `this token names a version ${where(op)} does not have`,
      { hint: "it was made with another key or mount (-k/--transit-key, --transit-mount)" },
    );
  }
  return new DecryptError(
    "S5_DECRYPT_VAULT",
    `Vault could not ${op.action} this token: ${message}`,
    {
      hint: "check that the token was made with this key and mount, and not altered",
    },
  );
}

export function missingToken(file?: string, helper?: string): KeyError {
  if (helper) {
    return new KeyError(
      "S5_KEY_VAULT_TOKEN",
      `no Vault token: the token helper ${helper} has none`,
      {
        hint: "log in (`bao login` or `vault login` stores the token through it), or set VAULT_TOKEN",
      },
    );
  }
  return new KeyError("S5_KEY_VAULT_TOKEN", "no Vault token", {
    hint:
      `set VAULT_TOKEN, run \`bao login\` (it writes ${file ?? "~/.vault-token"}), ` +
      "or use S5_VAULT_AUTH_METHOD=approle|kubernetes|jwt",
  });
}

const TLS_CODES =
  /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL|EPROTO|HOSTNAME_MISMATCH/;

/** True for failures where another attempt may succeed. */
export function isRetryableCode(code: string): boolean {
  return (
    !TLS_CODES.test(code) &&
    code !== "ERR_INVALID_URL" &&
    code !== "ENOTFOUND" &&
    code !== TOO_LARGE
  );
}

/** A request that got no HTTP answer (refused, reset, timed out, TLS failed). */
export function transportError(code: string, op: Operation, tried: Tried, cutOff = false): S5Error {
  const tries = triedText(tried);
  if (code === TOO_LARGE) {
    // Not Vault: its largest answer is a batch of at most a few tens of MB.
    return new BackendError(
      "S5_VAULT_RESPONSE",
      ExitCode.unavailable,
      `the server at ${op.address} answered the ${op.action} request with more than ${MAX_ANSWER_BYTES / 2 ** 20} MiB, which Vault never sends; s5 stopped reading it`,
      {
        hint: "check that VAULT_ADDR is Vault's API address, not a download, a proxy or another service",
      },
    );
  }
  const via = op.proxy ? ` through the proxy ${op.proxy} names` : "";
  if (TLS_CODES.test(code)) {
    return new BackendError(
      "S5_VAULT_TLS",
      ExitCode.unavailable,
      `cannot verify Vault's TLS certificate at ${op.address}${via} (${code})`,
      {
        hint:
          "point VAULT_CACERT (or VAULT_CAPATH / VAULT_CACERT_BYTES) at the CA that signed it; " +
          "VAULT_TLS_SERVER_NAME if the name differs",
      },
    );
  }
  if (code === "ECONNABORTED" || code === "ETIMEDOUT") {
    return new BackendError(
      "S5_VAULT_TIMEOUT",
      ExitCode.unavailable,
      `Vault at ${op.address} did not answer in time${tries} (${op.action})`,
      { hint: "check the server, or raise VAULT_CLIENT_TIMEOUT" },
    );
  }
  if (cutOff) {
    return new BackendError(
      "S5_VAULT_UNAVAILABLE",
      ExitCode.unavailable,
      `Vault at ${op.address} began to answer the ${op.action} request, but the answer was cut off${tries} (${code})`,
      {
        hint: `a proxy or load balancer on the way may cut long answers: check it (or lower S5_VAULT_BATCH_SIZE); ${BUDGET_HINT}`,
      },
    );
  }
  if (op.proxy) {
    return new BackendError(
      "S5_VAULT_UNAVAILABLE",
      ExitCode.unavailable,
      `cannot reach Vault at ${op.address}${via}${tries} (${code})`,
      {
        hint:
          code === "ERR_PROXY_TUNNEL"
            ? `the proxy refused to connect to Vault's host and port, or wants a login (http://user:password@proxy:3128 in ${op.proxy}); to reach Vault directly, ${directly(op.proxy)}`
            : `check the proxy in ${op.proxy}, VAULT_ADDR and that the server is running; to reach Vault directly, ${directly(op.proxy)}; ${BUDGET_HINT}`,
      },
    );
  }
  return new BackendError(
    "S5_VAULT_UNAVAILABLE",
    ExitCode.unavailable,
    `cannot reach Vault at ${op.address}${tries} (${code})`,
    { hint: `check VAULT_ADDR (or BAO_ADDR) and that the server is running; ${BUDGET_HINT}` },
  );
}

/**
 * A 401/403 whose body is not Vault's (Vault always answers with `{"errors": [...]}`): something in
 * front of Vault refused the request — an access gateway, a load balancer's rule — not Vault.
 */
export function gatewayRefusal(status: number, op: Operation): S5Error {
  return new BackendError(
    "S5_VAULT_DENIED",
    ExitCode.denied,
    `the server at ${op.address} refused the ${op.action} request (HTTP ${status}) with an answer that is not Vault's: something in front of Vault refused it${op.proxy ? ` (or the proxy ${op.proxy} names)` : ""}`,
    {
      status,
      hint:
        "an access gateway (Cloudflare Access, an identity-aware proxy, an API gateway) wants its " +
        "own credentials: give them to s5 as to the Vault CLI, in VAULT_HEADERS " +
        `('{"CF-Access-Client-Id": "…", "CF-Access-Client-Secret": "…"}'); otherwise check VAULT_ADDR`,
    },
  );
}

/** How to stop using the proxy `name` names for Vault. */
function directly(name: string): string {
  return /^(?:VAULT|BAO)_/.test(name) ? `unset ${name}` : "add its host to NO_PROXY";
}

/** HTTP 407 from a proxy on the way: it wants a login. */
function proxyLogin(op: Operation): S5Error {
  return new ConfigError(
    "S5_CONFIG_VAULT_PROXY",
    `the proxy ${op.proxy ?? "on the way"}${op.proxy ? " names" : ""} asked for a login (HTTP 407) on the ${op.action} request to ${op.address}`,
    {
      hint: op.proxy
        ? `put the proxy's user and password in ${op.proxy} (http://user:password@proxy:3128), or ${directly(op.proxy)} to reach Vault directly`
        : "something between s5 and Vault is a proxy that wants a login: check VAULT_ADDR",
    },
  );
}

/**
 * A redirect s5 does not follow: to a host outside the cluster's addresses (the token would go
 * there), a kind other than 307/308, or one redirect too many. Names where it pointed.
 */
export function redirectError(
  op: Operation,
  status: number,
  target: string,
  why: "outside" | "kind" | "loop" | "downgrade",
): S5Error {
  // A login sends no token yet, but its body is the credential (secret_id, JWT, SA token).
  const sent = op.action === "login" ? "the login credentials were" : "the token was";
  const reason = {
    outside: `which is not one of the cluster's addresses; ${sent} not sent there`,
    kind: "a kind of redirect s5 does not follow (only 307 and 308 keep the method and body)",
    loop: "after too many redirects",
    downgrade: `from https to plain http; ${sent} not sent there`,
  }[why];
  return new BackendError(
    "S5_VAULT_REDIRECT",
    ExitCode.unavailable,
    `Vault at ${op.address} redirected the ${op.action} request (HTTP ${status}) to ${target}, ${reason}`,
    {
      status,
      hint:
        why === "outside"
          ? "if that is a node of your cluster, list the nodes' API addresses in S5_VAULT_CLUSTER_ADDRS " +
            "(comma-separated); otherwise check VAULT_ADDR and what answers there"
          : why === "downgrade"
            ? "the cluster's nodes must serve https (their api_addr); check VAULT_ADDR and what answers there"
            : "check VAULT_ADDR and the load balancer or proxy in front of Vault",
    },
  );
}
