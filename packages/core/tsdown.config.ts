import { bundledLicenses, packageBuild } from "../../tsdown.base.ts";
import { isTransportModule, leanNodeVault } from "./build/transport.ts";

export default packageBuild(["src/index.ts", "src/internal.ts"], {
  // The JSON Schema of .s5.json, for editors and `$schema` (s5 checks against it too).
  exports: { customExports: { "./schema.json": "./s5.schema.json" } },
  // The Vault transport travels inside the Vault chunk, loaded only when a Vault token is met.
  deps: { alwaysBundle: isTransportModule, onlyBundle: false },
  plugins: [leanNodeVault, bundledLicenses("the Vault transport")],
});
