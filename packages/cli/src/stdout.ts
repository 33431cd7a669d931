/**
 * Standard output. Outputs go to file descriptor 1 with synchronous writes: `process.stdout` costs
 * 3–5 ms to set up (Node's streams and, for a pipe, a libuv handle), a tenth of a small render.
 * The stream is used only where it must be: a descriptor that refuses to block (EAGAIN, a
 * non-blocking pipe a parent handed down), after anything else has written through the stream
 * (order), and by commands that print text.
 */
import { writeSync } from "node:fs";
import { IoError, Spliced } from "@s5/core";
import { report } from "./report.ts";

let streamInUse = false;

/** Stdout could not be written (not EPIPE: a full disk, an I/O error). */
export function stdoutError(error: NodeJS.ErrnoException): IoError {
  return new IoError("S5_OUTPUT", `cannot write to stdout (${error.code ?? "error"})`, {
    cause: error,
    hint: "the output is incomplete; check the disk or the program stdout goes to",
  });
}

/**
 * `process.stdout`, with its failures handled: a reader that stops early (`s5 render … | head`)
 * ends s5 quietly; any other failure to write (a full disk, an I/O error) is an error with its
 * exit code, not a stack trace.
 */
export function stdoutStream(): NodeJS.WriteStream {
  if (!streamInUse) {
    streamInUse = true;
    process.stdout.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
      process.exit(report(stdoutError(error)));
    });
  }
  return process.stdout;
}

/** Whether stdout is a terminal, without setting up `process.stdout`. */
export function stdoutIsTTY(): boolean {
  return process.getBuiltinModule("node:tty").isatty(1);
}

/** Pieces are gathered into writes of about this size: one write per token would cost a 1000-token render ~5 ms. */
const STDOUT_CHUNK = 64 * 1024;

function drained(): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      process.stdout.off("drain", done).off("error", done);
      if (error) reject(error);
      else resolve();
    };
    process.stdout.on("drain", done).on("error", done);
  });
}

/**
 * Writes `data` to descriptor 1 in place. Returns what is left when the descriptor would block
 * (EAGAIN), `undefined` when all is written. A reader that is gone (EPIPE) ends s5 quietly.
 */
function writeDirect(data: Uint8Array): Uint8Array | undefined {
  let offset = 0;
  while (offset < data.byteLength) {
    try {
      offset += writeSync(1, data, offset, data.byteLength - offset);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") return data.subarray(offset);
      if (code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw stdoutError(error as NodeJS.ErrnoException);
    }
  }
  return undefined;
}

/** Writes pieces to stdout in order and waits until they are handed to the OS. */
export async function writeStdout(output: Iterable<Uint8Array>): Promise<void> {
  // A render's output is copied into chunks by one loop in core, not gathered piece by piece here.
  const pieces = output instanceof Spliced ? output.chunks(STDOUT_CHUNK) : output;
  let batch: Uint8Array[] = [];
  let size = 0;
  const write = async (data: Uint8Array) => {
    let left: Uint8Array | undefined = data;
    if (!streamInUse) {
      left = writeDirect(data);
      if (!left) return;
    }
    if (!stdoutStream().write(left)) await drained();
  };
  const flush = async () => {
    if (size === 0) return;
    const data = batch.length === 1 ? batch[0]! : Buffer.concat(batch, size);
    batch = [];
    size = 0;
    await write(data);
  };
  for (const piece of pieces) {
    if (piece.byteLength === 0) continue;
    if (piece.byteLength >= STDOUT_CHUNK) {
      await flush();
      await write(piece);
      continue;
    }
    batch.push(piece);
    size += piece.byteLength;
    if (size >= STDOUT_CHUNK) await flush();
  }
  await flush();
}
