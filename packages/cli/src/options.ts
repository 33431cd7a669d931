/** Option declarations shared by several commands. */
import { BACKEND_WORDS, type OptionDefs } from "./define.ts";

/** Options every command takes (some only so that the Go tool's command lines work unchanged). */
export const commonOptions = {
  help: { type: "boolean", short: "h", description: "show this help" },
  backend: {
    type: "string",
    short: "b",
    value: "NAME",
    env: "S5_BACKEND",
    description: "backend for new tokens and bare Go-tool tokens: local, aes, vault",
    choices: BACKEND_WORDS,
  },
  config: {
    type: "string",
    value: "FILE",
    description: "project config",
    default: ".s5.json found upward",
  },
  "log-level": { type: "string", hidden: true, description: "accepted and ignored (Go tool)" },
  "log-format": { type: "string", hidden: true, description: "accepted and ignored (Go tool)" },
} as const satisfies OptionDefs;

/** The options of the backends: the AES key, local keys, Vault's transit key and mount. */
export const backendOptions = {
  key: { type: "string", value: "HEX", env: "S5_AES_KEY", description: "AES key" },
  "private-key-file": {
    type: "string",
    value: "FILE",
    env: "S5_PRIVATE_KEY_FILE",
    description: "s5 secret key(s) for local-key tokens",
  },
  "transit-key": {
    type: "string",
    short: "k",
    value: "KEY",
    env: "S5_VAULT_TRANSIT_KEY",
    description: "Vault transit key",
    default: "default",
  },
  "transit-mount": {
    type: "string",
    value: "MOUNT",
    env: "S5_VAULT_TRANSIT_MOUNT",
    description: "Vault transit mount",
    default: "transit",
  },
} as const satisfies OptionDefs;

/** `-i`, `--force`: replacing files in place. */
export const inPlaceOptions = {
  "in-place": {
    type: "boolean",
    short: "i",
    description: "replace each FILE atomically, keeping its mode; all files or none",
  },
  force: { type: "boolean", description: "replace read-only files too" },
} as const satisfies OptionDefs;

/** `--json` and `--format`: machine-readable output (a JSON array; SARIF for `check`). */
export const jsonOption = {
  json: {
    type: "boolean",
    description: "print one JSON array (see README: machine-readable output)",
  },
} as const satisfies OptionDefs;
