/** A one-line progress count on stderr, only on a terminal, outside CI, and for many files. */
export interface Progress {
  tick(what: string): void;
  done(): void;
}

const quiet: Progress = { tick() {}, done() {} };

export function progress(total: number, threshold = 10): Progress {
  if (total < threshold || !process.stderr.isTTY || process.env.CI) return quiet;
  let count = 0;
  let last = 0;
  return {
    tick(what) {
      count++;
      const now = Date.now();
      if (now - last < 50 && count < total) return;
      last = now;
      const width = 24;
      const filled = Math.round((count / total) * width);
      process.stderr.write(
        `\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${what} ${count}/${total} files`,
      );
    },
    done() {
      process.stderr.write("\r\u001b[2K");
    },
  };
}
