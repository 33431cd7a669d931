/** The unit-test project every package shares: its test directory's `*.test.ts`, named after it. */

import { defineProject } from "vitest/config";

export function packageTests(name: string, extra: { testTimeout?: number } = {}) {
  return defineProject({ test: { name, include: ["test/**/*.test.ts"], ...extra } });
}
