// The public surface of every package, as its built type declarations say it, checked in beside
// the package (`api-report.d.mts`) so that a change to what users can import shows in review.
//   node scripts/api-report.mjs          # write the reports
//   node scripts/api-report.mjs --check  # fail when a report differs from the build (npm test)
// Chunk names carry content hashes (`index-x8ZiILmw.d.mts`); they are normalised away.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const check = process.argv.includes("--check");
const unhash = (text) => text.replace(/-[A-Za-z0-9_-]{8}(?=\.(?:d\.)?m[jt]s\b)/g, "");

let stale = 0;
for (const name of readdirSync(join(root, "packages")).sort()) {
  const dir = join(root, "packages", name);
  const dist = join(dir, "dist");
  if (!existsSync(dist)) continue;
  const files = readdirSync(dist)
    .filter((file) => file.endsWith(".d.mts"))
    .sort((a, b) => unhash(a).localeCompare(unhash(b)));
  const report = files
    .map(
      (file) =>
        `// ---- ${unhash(file)} ----\n${unhash(readFileSync(join(dist, file), "utf8")).trim()}\n`,
    )
    .join("\n");
  const text = `// The public API of this package, from its built declarations (scripts/api-report.mjs).\n\n${report}`;
  const target = join(dir, "api-report.d.mts");
  const current = existsSync(target) ? readFileSync(target, "utf8") : "";
  if (current === text) continue;
  if (check) {
    stale++;
    console.error(
      `API report of packages/${name} differs from the build: run \`npm run api:update\` and review the diff`,
    );
  } else {
    writeFileSync(target, text);
    console.error(`wrote packages/${name}/api-report.d.mts`);
  }
}
process.exit(stale > 0 ? 1 : 0);
