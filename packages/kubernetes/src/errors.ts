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

interface Status {
  reason?: unknown;
  details?: { causes?: { reason?: unknown; field?: unknown }[] };
}

/** Each cause of a refusal as `field reason` (`data[tls.crt] FieldValueRequired`), at most 10. */
function causesOf(status: Status | undefined): string[] {
  const causes = Array.isArray(status?.details?.causes) ? status.details.causes : [];
  const said = causes.map((cause) =>
    [cause?.field, cause?.reason]
      .filter((part): part is string => typeof part === "string" && part !== "")
      .join(" ")
      .slice(0, 200),
  );
  return [...new Set(said.filter((text) => text !== ""))].slice(0, 10);
}

/**
 * What an API error may show: its HTTP status, Kubernetes reason, and for a refused object the
 * field and reason of each cause — never a message or the rest of the body (the API server can
 * echo the request, and a Secret's request holds values: "invalid character 'h'" is one).
 */
export function describeApiError(error: unknown): string {
  // Before `code`: a DOMException's is a number too (23 for a timeout), not an HTTP status.
  if (isAbort(error)) {
    return (error as Error).name === "TimeoutError" ? "request timed out" : "request aborted";
  }
  const code = (error as { code?: unknown } | null)?.code;
  const body = (error as { body?: unknown } | null)?.body;
  let status: Status | undefined;
  if (typeof body === "string") {
    try {
      status = JSON.parse(body) as Status;
    } catch {
      // not a Status
    }
  } else if (body && typeof body === "object") {
    status = body as Status;
  }
  const reason = typeof status?.reason === "string" ? status.reason : undefined;
  if (typeof code === "number") {
    const causes = causesOf(status);
    return `HTTP ${code}${reason ? ` ${reason}` : ""}${causes.length > 0 ? `: ${causes.join(", ")}` : ""}`;
  }
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
  if (isAbort(error)) return undefined;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

/** Our own deadline or stop cut the request short (no answer from the API server). */
function isAbort(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return error instanceof DOMException && (name === "TimeoutError" || name === "AbortError");
}
