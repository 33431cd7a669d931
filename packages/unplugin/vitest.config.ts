import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "unplugin",
    include: ["test/**/*.test.ts"],
  },
});
