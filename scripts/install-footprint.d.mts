// Types of scripts/install-footprint.mjs for the TypeScript tests that import it.
export const S5_PACKAGES: string[];
export function packTarballs(checkout?: string, dest?: string): string[];
export function installProject(tarballs: string[], extra?: string[], dir?: string): string;
export function listPackages(dir: string): { name: string; bytes: number }[];
export function loadedByConfig(dir: string): { files: number; byPackage: Record<string, number> };
export function footprint(
  checkout?: string,
  extra?: string[],
): {
  packages: number;
  thirdParty: number;
  bytes: number;
  largest: string[];
  names: string[];
  loaded: { files: number; byPackage: Record<string, number> };
};
