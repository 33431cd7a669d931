import { ExitCode, type ExitCodeValue, S5Error, type S5ErrorOptions } from "@s5/core";

/** A failure of the Kubernetes integration: a resource that cannot work, or the API refusing. */
export class KubernetesError extends S5Error {
  override name = "KubernetesError";

  constructor(
    code: `S5_K8S_${string}`,
    message: string,
    options: S5ErrorOptions & { exitCode?: ExitCodeValue } = {},
  ) {
    super(code, options.exitCode ?? ExitCode.input, message, options);
  }
}

/**
 * What an API error may show: its HTTP status and Kubernetes reason, never its body (the API
 * server can echo the request, and a Secret's request holds values).
 */
export function describeApiError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const body = (error as { body?: unknown } | null)?.body;
  let reason: string | undefined;
  if (typeof body === "string") {
    try {
      reason = (JSON.parse(body) as { reason?: string }).reason;
    } catch {
      // not a Status
    }
  } else if (body && typeof body === "object") {
    reason = (body as { reason?: string }).reason;
  }
  if (typeof code === "number") return `HTTP ${code}${reason ? ` ${reason}` : ""}`;
  const errno = (error as { code?: unknown; cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof code === "string") return code;
  if (typeof errno === "string") return errno;
  // A programming error (ours or the client's) says what broke, not what data it held.
  if (error instanceof TypeError || error instanceof RangeError)
    return `${error.name}: ${error.message}`;
  return error instanceof Error ? error.name : "unknown error";
}

/** HTTP status of an API error, if it has one. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}
