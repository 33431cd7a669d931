import { describe, expect, it } from "vitest";
import { WorkQueue } from "../src/queue.ts";

describe("WorkQueue", () => {
  it("queues a key once, never runs it twice at once, and runs it again when it changed meanwhile", async () => {
    const queue = new WorkQueue();
    const seen: string[] = [];
    let running = 0;
    let most = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const done = queue.run(async (key) => {
      running++;
      most = Math.max(most, running);
      seen.push(key);
      if (seen.length === 1) await gate;
      running--;
      if (seen.length === 2) queue.stop();
    }, 4);
    queue.add("a");
    queue.add("a");
    await new Promise((resolve) => setImmediate(resolve));
    queue.add("a"); // while "a" runs: once more afterwards, not in parallel
    queue.add("a");
    release();
    await done;
    expect(seen).toEqual(["a", "a"]);
    expect(most).toBe(1);
  });

  it("backs off exponentially up to the cap, and forget starts over", () => {
    const queue = new WorkQueue({ baseMs: 100, maxMs: 1000 });
    const delays = Array.from({ length: 6 }, () => queue.retry("k"));
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(queue.failures("k")).toBe(6);
    queue.forget("k");
    expect(queue.failures("k")).toBe(0);
    expect(queue.retry("k")).toBe(100);
    queue.stop();
  });

  it("a retry runs the key after its delay", async () => {
    const queue = new WorkQueue({ baseMs: 10 });
    const seen: string[] = [];
    const done = queue.run(async (key) => {
      seen.push(key);
      queue.stop();
    });
    queue.retry("later");
    await done;
    expect(seen).toEqual(["later"]);
  });
});
