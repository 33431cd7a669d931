import { describe, expect, it } from "vitest";
import { Metrics } from "../src/metrics.ts";

describe("Metrics", () => {
  it("renders counters, the leader gauge and the histogram in Prometheus text format", () => {
    const metrics = new Metrics();
    metrics.reconciles.inc({ result: "success" });
    metrics.reconciles.inc({ result: "success" });
    metrics.errors.inc({ reason: "DecryptFailed" });
    metrics.leader.set(1);
    metrics.decrypt.observe(0.02);
    metrics.decrypt.observe(3);
    const text = metrics.render();
    expect(text).toContain(
      '# TYPE s5_reconcile_total counter\ns5_reconcile_total{result="success"} 2',
    );
    expect(text).toContain('s5_reconcile_errors_total{reason="DecryptFailed"} 1');
    expect(text).toMatch(/^s5_leader 1$/m);
    expect(text).toContain('s5_decrypt_duration_seconds_bucket{le="0.01"} 0');
    expect(text).toContain('s5_decrypt_duration_seconds_bucket{le="0.025"} 1');
    expect(text).toContain('s5_decrypt_duration_seconds_bucket{le="5"} 2');
    expect(text).toContain('s5_decrypt_duration_seconds_bucket{le="+Inf"} 2');
    expect(text).toMatch(/^s5_decrypt_duration_seconds_count 2$/m);
    expect(text.endsWith("\n")).toBe(true);
  });
});
