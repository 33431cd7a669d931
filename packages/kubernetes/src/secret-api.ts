/**
 * The Secret endpoints of the API server as plain JSON. The generated client copies a Secret's
 * `data` into `{}` key by key, both ways, and so drops a key named `__proto__` (a valid Secret
 * key); here the body is `JSON.stringify` of the object and the answer `JSON.parse` of the text,
 * which keep every key. Requests are authenticated as the generated client does it, and each
 * has a deadline (headers and body): a hung request must not hold a worker for minutes.
 */
import {
  ApiException,
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  type KubeConfig,
  ServerConfiguration,
} from "@kubernetes/client-node";
import type { SecretObject } from "./resource.ts";
import { DEFAULT_REQUEST_TIMEOUT_MS, deadline } from "./timeout.ts";

export interface SecretsApi {
  /** The Secret, or undefined when there is none of that name. */
  read(namespace: string, name: string): Promise<SecretObject | undefined>;
  /** `dryRun`: the API server validates and admits the Secret, and stores nothing. */
  create(namespace: string, secret: SecretObject, dryRun?: boolean): Promise<SecretObject>;
  replace(namespace: string, name: string, secret: SecretObject): Promise<SecretObject>;
  /**
   * Deletes the Secret only if it still has this uid and resourceVersion (else HTTP 409).
   * `"terminating"` when it is still there afterwards: finalizers hold it until they are removed.
   */
  delete(
    namespace: string,
    name: string,
    preconditions: { uid?: string | undefined; resourceVersion?: string | undefined },
  ): Promise<"deleted" | "terminating">;
}

export function secretsApi(
  kc: KubeConfig,
  options: { timeoutMs?: number | undefined } = {},
): SecretsApi {
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const http = new IsomorphicFetchHttpLibrary();
  const path = (namespace: string, name?: string) =>
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets${name === undefined ? "" : `/${encodeURIComponent(name)}`}`;

  const request = async (
    method: HttpMethod,
    endpoint: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> => {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error("No active cluster!");
    const context = new ServerConfiguration(cluster.server, {}).makeRequestContext(
      endpoint,
      method,
    );
    context.setHeaderParam("Accept", "application/json");
    if (body !== undefined) {
      context.setHeaderParam("Content-Type", "application/json");
      context.setBody(JSON.stringify(body));
    }
    await kc.applySecurityAuthentication(context);
    context.setSignal(deadline(timeoutMs));
    const response = await http.send(context).toPromise();
    const text = await response.body.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (response.httpStatusCode >= 200 && response.httpStatusCode < 300) {
      return { status: response.httpStatusCode, body: parsed };
    }
    // The message names the status only: a Status body can quote what was sent.
    throw new ApiException(
      response.httpStatusCode,
      `HTTP ${response.httpStatusCode}`,
      parsed,
      response.headers,
    );
  };

  return {
    async read(namespace, name) {
      try {
        return (await request(HttpMethod.GET, path(namespace, name))).body as SecretObject;
      } catch (error) {
        if (error instanceof ApiException && error.code === 404) return undefined;
        throw error;
      }
    },
    async create(namespace, secret, dryRun = false) {
      const query = dryRun ? "?dryRun=All" : "";
      return (await request(HttpMethod.POST, `${path(namespace)}${query}`, secret))
        .body as SecretObject;
    },
    async replace(namespace, name, secret) {
      return (await request(HttpMethod.PUT, path(namespace, name), secret)).body as SecretObject;
    },
    async delete(namespace, name, preconditions) {
      const { body } = await request(HttpMethod.DELETE, path(namespace, name), {
        apiVersion: "v1",
        kind: "DeleteOptions",
        preconditions,
      });
      // Gone at once: a Status. Held by finalizers: the object, now with a deletionTimestamp.
      const left = body as SecretObject | undefined;
      return left?.kind === "Secret" && left.metadata?.deletionTimestamp
        ? "terminating"
        : "deleted";
    },
  };
}
