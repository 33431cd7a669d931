/**
 * Prometheus metrics in the text exposition format, written by hand: a few counters, one gauge
 * and one histogram need no client library. Labels hold reasons and results, never object data.
 */

type Labels = Record<string, string>;

const labelText = (labels: Labels) => {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`))}"`).join(",")}}`;
};

class Family {
  readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge",
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const entry = this.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(key, entry);
  }

  set(value: number, labels: Labels = {}): void {
    this.values.set(labelText(labels), { labels, value });
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const { labels, value } of this.values.values()) {
      lines.push(`${this.name}${labelText(labels)} ${value}`);
    }
    return lines.join("\n");
  }
}

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (const [i, bound] of this.buckets.entries()) if (value <= bound) this.counts[i]!++;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [i, bound] of this.buckets.entries()) {
      lines.push(`${this.name}_bucket{le="${bound}"} ${this.counts[i]}`);
    }
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`);
    lines.push(`${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines.join("\n");
  }
}

/** The controller's metrics. */
export class Metrics {
  readonly reconciles = new Family(
    "s5_reconcile_total",
    "Reconciles of S5Secrets, by result (success, error).",
    "counter",
  );
  readonly errors = new Family(
    "s5_reconcile_errors_total",
    "Failed reconciles, by reason (the status condition's reason).",
    "counter",
  );
  readonly writes = new Family(
    "s5_secret_writes_total",
    "Secrets written, by operation (create, update, replace).",
    "counter",
  );
  readonly leader = new Family(
    "s5_leader",
    "1 while this process holds the leader Lease, else 0.",
    "gauge",
  );
  readonly decrypt = new Histogram(
    "s5_decrypt_duration_seconds",
    "Time to decrypt the values of one S5Secret (one round per backend).",
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  );

  constructor() {
    this.leader.set(0);
  }

  render(): string {
    return `${[this.reconciles, this.errors, this.writes, this.leader, this.decrypt]
      .map((family) => family.render())
      .join("\n")}\n`;
  }
}
