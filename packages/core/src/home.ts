/**
 * `os.homedir()` (HOME, or the password database when it is unset), with `node:os` loaded only
 * when it is asked for: loading it costs ~2 million instructions (callgrind) of every start, and
 * HOME is nearly always set, so callers read it first.
 */
export function homeOfProcess(): string {
  try {
    return process.getBuiltinModule("node:os").homedir();
  } catch {
    // No HOME and no entry in the password database (a CI container run as `--user 12345` with
    // a clean environment): a directory that cannot exist, so that the identity and token files
    // are not found (a clear "no key" error) instead of an internal error.
    return "/nonexistent";
  }
}
