// A real pseudo-terminal (Python's pty module) as s5's stdin and stderr, stdout a pipe: typing
// into it after s5's prompt, and what the terminal showed.
import { spawnSync } from "node:child_process";

const DRIVER = `
import json, os, pty, select, signal, subprocess, sys, termios, time
steps = json.loads(sys.argv[1])
master, slave = pty.openpty()
p = subprocess.Popen(sys.argv[2:], stdin=slave, stderr=slave, stdout=subprocess.PIPE)
shown = b""
def pump(seconds):
    global shown
    end = time.time() + seconds
    while time.time() < end:
        ready, _, _ = select.select([master], [], [], 0.02)
        if ready:
            try: shown += os.read(master, 65536)
            except OSError: return
deadline = time.time() + 30
while steps and steps[0].get("waitFor") and steps[0]["waitFor"].encode() not in shown:
    if time.time() > deadline or p.poll() is not None: break
    pump(0.05)
for step in steps:
    if "type" in step: os.write(master, step["type"].encode())
    if "signal" in step: p.send_signal(getattr(signal, step["signal"]))
    pump(step.get("pause", 0.3))
try:
    stdout = p.communicate(timeout=30)[0]
except subprocess.TimeoutExpired:
    p.kill(); stdout = p.communicate()[0]
pump(0.1)
lflag = termios.tcgetattr(slave)[3]
print(json.dumps({"code": p.returncode, "stdout": stdout.decode(), "shown": shown.decode("utf8", "replace"),
                  "echo": bool(lflag & termios.ECHO), "canonical": bool(lflag & termios.ICANON)}))
`;

export interface TerminalStep {
  /** Wait until the terminal shows this (first step only). */
  waitFor?: string;
  /** Keys (or pasted text) to type. */
  type?: string;
  /** A signal to send to s5 ("SIGTERM"). */
  signal?: string;
  /** Seconds to wait after the step (default 0.3). */
  pause?: number;
}

export interface TerminalRun {
  /** Exit code, or minus the signal number. */
  code: number;
  stdout: string;
  /** Everything the terminal showed (stderr and the terminal's own echo). */
  shown: string;
  /** Whether the terminal echoes and reads lines again after s5 ended. */
  echo: boolean;
  canonical: boolean;
}

/** Runs `command` with a pseudo-terminal as stdin and stderr, then takes `steps`. */
export function onTerminal(
  command: string[],
  steps: TerminalStep[],
  env: NodeJS.ProcessEnv,
): TerminalRun {
  const result = spawnSync("python3", ["-c", DRIVER, JSON.stringify(steps), ...command], {
    env,
    encoding: "utf8",
    timeout: 60_000,
  });
  if (result.status !== 0) throw new Error(`terminal driver failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as TerminalRun;
}
