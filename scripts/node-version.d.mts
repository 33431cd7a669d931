// Types of scripts/node-version.mjs for the TypeScript tests that import it.
export const NODE_VERSION: string;
export const NODE_DIR: string;
export const nodeBin: string;
export function needsOwnNode(version?: string): boolean;
export function ownNodeReason(version?: string): string;
export function fetchNode(version: string, dir: string): Promise<void>;
export function cachedNode(version: string, dir: string): Promise<string>;
