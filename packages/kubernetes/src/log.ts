/**
 * Structured logs: one JSON object per line on stderr. Fields hold names, reasons and codes —
 * never a value: the controller logs nothing it decrypted, and no API response body.
 */
export type Level = "debug" | "info" | "warn" | "error";

export type Logger = (level: Level, msg: string, fields?: Record<string, unknown>) => void;

const order: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function createLogger(
  minimum: Level = "info",
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  return (level, msg, fields = {}) => {
    if (order[level] < order[minimum]) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
  };
}
