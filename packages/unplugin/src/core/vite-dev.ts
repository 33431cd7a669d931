/**
 * Vite dev server: an error raised while serving a module we decrypted (a later plugin's
 * transform, Vite's SSR transform) carries the module as we left it in `pluginCode` and its code
 * frame, and Vite sends both to the browser (the 500 page and the HMR error overlay) and prints
 * them. Every path such an error takes is covered: each environment's `transformRequest` and
 * plugin container (where the error is made), an error middleware (errors a user's SSR middleware
 * passes to `next`), and the HMR channels (error payloads); and the logger, for warnings.
 */

interface HotLike {
  send?: (...args: unknown[]) => unknown;
}

interface EnvironmentLike {
  transformRequest?: (...args: unknown[]) => Promise<unknown>;
  pluginContainer?: { transform?: (...args: unknown[]) => Promise<unknown> };
  hot?: HotLike;
}

export interface ViteDevServerLike {
  environments?: Record<string, EnvironmentLike>;
  ws?: HotLike;
  middlewares: { use(fn: (...args: never[]) => void): unknown };
  config?: { logger?: object };
}

/** The logger methods that print a message (each environment's logger prints through them). */
const PRINTING = ["info", "warn", "warnOnce", "error"] as const;

/**
 * Hides the plaintexts in what the dev server prints: a later plugin's warning (`this.warn`) about
 * a module we decrypted may quote its lines, and Vite prints it as it comes, through the server's
 * logger (each environment's delegates to it), never through a build's `onLog`.
 */
function guardLogger(
  logger: object | undefined,
  redactText: (text: string) => string,
  redact: (error: unknown) => void,
): void {
  const target = logger as Record<string, unknown> | undefined;
  for (const key of PRINTING) {
    const original = target?.[key];
    if (typeof original !== "function") continue;
    target![key] = function (this: unknown, message: unknown, options?: { error?: unknown }) {
      if (options?.error) redact(options.error);
      const shown = typeof message === "string" ? redactText(message) : message;
      return original.call(this, shown, options);
    };
  }
}

/** Replaces `owner[key]` (an async function) by one that redacts what it throws. */
function guardAsync(
  owner: object | undefined,
  key: string,
  redact: (error: unknown) => void,
): void {
  const target = owner as Record<string, unknown> | undefined;
  const original = target?.[key];
  if (typeof original !== "function") return;
  target![key] = async function (this: unknown, ...args: unknown[]) {
    try {
      return await original.apply(this, args);
    } catch (error) {
      redact(error);
      throw error;
    }
  };
}

/** Redacts the `err` of an `{ type: "error" }` payload before it goes to the browser. */
function guardHot(hot: HotLike | undefined, redact: (error: unknown) => void): void {
  const send = hot?.send;
  if (!hot || typeof send !== "function") return;
  hot.send = function (this: unknown, ...args: unknown[]) {
    const payload = args[0] as { type?: unknown; err?: unknown } | undefined;
    if (payload && typeof payload === "object" && payload.type === "error") redact(payload.err);
    return send.apply(this, args);
  };
}

/** `configureServer`: wraps the environments; returns the post hook that adds the middleware. */
export function guardViteDevServer(
  server: ViteDevServerLike,
  redact: (error: unknown) => void,
  redactText: (text: string) => string,
): () => void {
  guardLogger(server.config?.logger, redactText, redact);
  for (const environment of Object.values(server.environments ?? {})) {
    guardAsync(environment, "transformRequest", redact);
    guardAsync(environment.pluginContainer, "transform", redact);
    guardHot(environment.hot, redact);
  }
  guardHot(server.ws, redact);
  return () => {
    // After the app's own middlewares, before Vite's error middleware (which renders the 500 page).
    server.middlewares.use(
      (error: unknown, _req: unknown, _res: unknown, next: (e: unknown) => void) => {
        redact(error);
        next(error);
      },
    );
  };
}
