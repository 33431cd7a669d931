// What `npm install s5` brings, from this checkout's packages packed into tarballs and installed
// into fresh projects (dependencies from the npm registry): packages and size on disk for a
// local-key or Vault user (the Vault transport is bundled into core), and a light install without
// optional dependencies. Not timed.
// `node bench/install.mjs` prints the rows.
import { fileURLToPath } from "node:url";
import { footprint } from "../scripts/install-footprint.mjs";
import { formatMB, markdownTable } from "./_format.mjs";

const CASES = [
  ["`npm install s5` (local keys, AES, Vault)", []],
  [
    "`npm install s5 --omit=optional` (no sodium-native: the JavaScript libsodium)",
    ["--omit=optional"],
  ],
];

export default async function runInstallBench() {
  return CASES.map(([figure, extra]) => {
    const result = footprint(undefined, extra);
    const loaded = result.loaded;
    return {
      figure: `Install: ${figure}`,
      s5: `${result.packages} packages, ${formatMB(result.bytes)}`,
      baseline: `\`import "s5/config"\` (local keys) loads ${loaded.files} files of ${Object.keys(loaded.byPackage).length} packages`,
      ratio: "—",
      goal: "—",
      result: "info",
    };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${markdownTable(await runInstallBench())}\n`);
}
