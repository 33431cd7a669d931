/**
 * `os.homedir()` (HOME, or the password database when it is unset), with `node:os` loaded only
 * when it is asked for: loading it costs ~2 million instructions (callgrind) of every start, and
 * HOME is nearly always set, so callers read it first.
 */
export function homeOfProcess(): string {
  return process.getBuiltinModule("node:os").homedir();
}
