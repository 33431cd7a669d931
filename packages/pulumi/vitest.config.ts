import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "pulumi",
    include: ["test/**/*.test.ts"],
  },
});
