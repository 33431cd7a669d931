/**
 * Asking for a value on the terminal without showing it: `s5 cipher` with nothing piped in. A
 * value typed as an argument is visible to every user in the process list and stays in the
 * shell's history; typed here it is in neither.
 */
import { StringDecoder } from "node:string_decoder";
import { IoError } from "@s5/core";
import { ENDING_SIGNALS } from "./temp.ts";

const PASTE_START = "\u001b[200~";
const PASTE_END = "\u001b[201~";

/** What the keys typed so far make: the value, and whether input has ended. */
export interface PromptState {
  value: string[];
  pasting: boolean;
  done: boolean;
  interrupted: boolean;
  /** An escape sequence cut off at the end of a read: it goes before the next one. */
  carry: string;
}

export function newPromptState(): PromptState {
  return { value: [], pasting: false, done: false, interrupted: false, carry: "" };
}

/**
 * Length of an escape sequence at `i` (ESC [ … final, ESC O x, a lone ESC), or 0 when the read ends
 * inside it (a paste marker split over two reads, as ssh or tmux may deliver it).
 */
function escapeLength(text: string, i: number): number {
  if (i + 1 >= text.length) return 0;
  if (text[i + 1] === "O") return i + 2 < text.length ? 3 : 0;
  // A lone Escape key: only it is dropped, never the key typed after it.
  if (text[i + 1] !== "[") return 1;
  let j = i + 2;
  while (j < text.length && /[\x20-\x3f]/.test(text[j]!)) j++;
  return j < text.length ? j + 1 - i : 0;
}

/**
 * Applies one chunk of raw terminal input. Enter ends the value, unless it is part of a paste: a
 * terminal's bracketed paste, or (without one) more input arriving with it in the same chunk —
 * so the next lines of a pasted key are not left for the shell to run after s5 ends.
 */
export function applyKeys(state: PromptState, read: string): void {
  const chunk = state.carry + read;
  state.carry = "";
  for (let i = 0; i < chunk.length && !state.done; i++) {
    const char = chunk[i]!;
    if (chunk.startsWith(PASTE_START, i) || chunk.startsWith(PASTE_END, i)) {
      state.pasting = chunk.startsWith(PASTE_START, i);
      i += PASTE_START.length - 1;
    } else if (char === "\u001b") {
      const length = escapeLength(chunk, i);
      if (length === 0) {
        state.carry = chunk.slice(i);
        return;
      }
      i += length - 1;
    } else if (char === "\r" || char === "\n") {
      if (char === "\r" && chunk[i + 1] === "\n") i++;
      if (state.pasting || i + 1 < chunk.length) state.value.push("\n");
      else state.done = true;
    } else if (char === "\u0003") {
      state.interrupted = true;
      state.done = true;
    } else if (char === "\u0004") {
      state.done = true;
    } else if (char === "\u007f" || char === "\b") {
      state.value.pop();
    } else if (char === "\u0015") {
      state.value.length = 0;
    } else if (char >= " " || char === "\t") {
      // One entry per code point, so that Backspace removes a whole character.
      const point = chunk.codePointAt(i)!;
      const text = String.fromCodePoint(point);
      state.value.push(text);
      i += text.length - 1;
    }
  }
}

/**
 * Reads a value from the terminal on stdin with echo off, after `prompt` on stderr. Ctrl-C ends
 * s5 as SIGINT would; the terminal is put back as it was in every case.
 */
export function readHidden(prompt: string): Promise<Buffer> {
  const stdin = process.stdin;
  const bracketed = Boolean(process.stderr.isTTY);
  try {
    stdin.setRawMode(true);
  } catch (cause) {
    throw new IoError("S5_INPUT", "cannot read from the terminal with echo off", {
      cause,
      hint: "pipe the value in instead: `… | s5 cipher`",
    });
  }
  process.stderr.write(`${prompt}${bracketed ? "\u001b[?2004h" : ""}`);
  const decoder = new StringDecoder("utf8");
  const state = newPromptState();
  return new Promise((resolve) => {
    const restore = () => {
      stdin.off("data", onData);
      stdin.off("end", finish);
      for (const name of ENDING_SIGNALS) process.off(name, onSignal);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write(`${bracketed ? "\u001b[?2004l" : ""}\n`);
    };
    // A signal while asking: the terminal is put back (bracketed paste off too), then s5 ends.
    const onSignal = (signal: NodeJS.Signals) => {
      restore();
      process.kill(process.pid, signal);
    };
    const finish = () => {
      restore();
      if (state.interrupted) {
        process.kill(process.pid, "SIGINT");
        return;
      }
      const value = Buffer.from(state.value.join(""));
      state.value.length = 0;
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      applyKeys(state, decoder.write(chunk));
      if (state.done) finish();
    };
    for (const name of ENDING_SIGNALS) process.on(name, onSignal);
    stdin.on("data", onData);
    stdin.on("end", finish);
  });
}
