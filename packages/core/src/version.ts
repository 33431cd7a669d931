/**
 * This s5's version (every package of s5 moves together: .changeset/config.json), for messages
 * about files a newer s5 wrote: "upgrade s5 (this is 0.1.0)".
 */
import corePackage from "../package.json" with { type: "json" };

export const S5_VERSION: string = corePackage.version;

/** The end of every refusal of something a newer s5 wrote. */
export function upgradeHint(): string {
  return `upgrade s5 (this is ${S5_VERSION})`;
}

/** Whether version `a` (`X.Y.Z`) comes after `b`; a pre-release of `b` counts as `b`. */
export function isNewer(a: string, b: string): boolean {
  const [x, y] = [a, b].map((v) => v.split(/[.+-]/).slice(0, 3).map(Number)) as [
    number[],
    number[],
  ];
  for (let i = 0; i < 3; i++) {
    if (x[i] !== y[i]) return (x[i] ?? 0) > (y[i] ?? 0);
  }
  return false;
}
