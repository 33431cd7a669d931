/**
 * A work queue of object keys, as client-go's: a key is queued at most once, never processed by
 * two workers at once (a change while it is processed queues it again), and a key that keeps
 * failing waits longer each time — base × 2^failures, capped — so a Vault outage is not hammered.
 */

export interface BackoffOptions {
  /**
   * First delay after a failure (ms).
   * @default 1000
   */
  baseMs?: number | undefined;
  /**
   * Longest delay between two attempts (ms).
   * @default 300000
   */
  maxMs?: number | undefined;
}

export class WorkQueue {
  readonly #baseMs: number;
  readonly #maxMs: number;
  #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #waiters: (() => void)[] = [];
  #stopped = false;

  constructor(options: BackoffOptions = {}) {
    this.#baseMs = options.baseMs ?? 1000;
    this.#maxMs = options.maxMs ?? 300_000;
  }

  /** Queues `key` now (a pending delayed retry is dropped: this attempt replaces it). */
  add(key: string): void {
    if (this.#stopped) return;
    const timer = this.#timers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.#timers.delete(key);
    }
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#queue.push(key);
    this.#waiters.shift()?.();
  }

  /** Queues `key` after its next backoff delay; returns the delay (ms). */
  retry(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const delay = Math.min(this.#maxMs, this.#baseMs * 2 ** Math.min(failures, 30));
    if (this.#stopped || this.#timers.has(key)) return delay;
    this.#timers.set(
      key,
      setTimeout(() => {
        this.#timers.delete(key);
        this.add(key);
      }, delay),
    );
    return delay;
  }

  /** Failures in a row of `key` (0 after a success). */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Ends the backoff of `key` (it succeeded, or it is gone). */
  forget(key: string): void {
    this.#failures.delete(key);
    const timer = this.#timers.get(key);
    if (timer) clearTimeout(timer);
    this.#timers.delete(key);
  }

  /** Runs `worker` over queued keys with `concurrency` workers until {@link stop}. */
  async run(worker: (key: string) => Promise<void>, concurrency = 2): Promise<void> {
    await Promise.all(Array.from({ length: concurrency }, () => this.#loop(worker)));
  }

  async #loop(worker: (key: string) => Promise<void>): Promise<void> {
    while (!this.#stopped) {
      const key = this.#queue.shift();
      if (key === undefined) {
        await new Promise<void>((resolve) => this.#waiters.push(resolve));
        continue;
      }
      this.#queued.delete(key);
      this.#processing.add(key);
      try {
        await worker(key);
      } finally {
        this.#processing.delete(key);
        if (this.#dirty.delete(key)) this.add(key);
      }
    }
  }

  /** Stops the workers (after their current key) and every pending retry. */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#queue = [];
    this.#queued.clear();
    for (const wake of this.#waiters) wake();
    this.#waiters = [];
  }
}
