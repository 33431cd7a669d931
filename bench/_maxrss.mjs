// Preload (`node --import`) used when GNU time is missing: writes this process's peak RSS in KiB
// (what GNU time's %M reports) to $S5_BENCH_MAXRSS_FILE when it exits.
import { writeFileSync } from "node:fs";

const file = process.env.S5_BENCH_MAXRSS_FILE;
if (file) {
  process.on("exit", () => {
    writeFileSync(file, `${process.resourceUsage().maxRSS}\n`);
  });
}
