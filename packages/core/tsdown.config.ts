import { packageBuild } from "../../tsdown.base.ts";

export default packageBuild(["src/index.ts", "src/internal.ts"], {
  // The JSON Schema of .s5.json, for editors and `$schema` (s5 checks against it too).
  exports: { customExports: { "./schema.json": "./s5.schema.json" } },
});
