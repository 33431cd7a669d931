/** Reading inputs and writing outputs: stdin, files, atomic replacement, file modes. */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fchmodSync,
  fchownSync,
  fsyncSync,
  openSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writevSync,
} from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { IoError, UsageError } from "@s5/core";

/** Reads all of stdin; refuses to wait on a terminal, where nobody would know input is expected. */
export async function readStdin(what: string): Promise<Buffer> {
  if (process.stdin.isTTY) {
    throw new UsageError(`${what} is expected on stdin, and stdin is a terminal`, {
      hint: "pass it as an argument, pipe it in (`… | s5 …`), or see `s5 --help`",
    });
  }
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  } catch (cause) {
    throw new IoError("S5_INPUT", "cannot read stdin", { cause });
  }
  return Buffer.concat(chunks);
}

/** Reads a file, or stdin for `-`. */
export async function readInput(path: string): Promise<Buffer> {
  if (path === "-") return readStdin("the input");
  try {
    return await readFile(path);
  } catch (cause) {
    const code = (cause as { code?: string }).code ?? "error";
    throw new IoError("S5_INPUT", `cannot read ${path} (${code})`, {
      cause,
      hint: code === "ENOENT" ? "check the path" : undefined,
    });
  }
}

function writeAll(fd: number, pieces: Iterable<Uint8Array>): void {
  // writev takes at most IOV_MAX (1024) buffers and may write less than asked.
  let batch: Uint8Array[] = [];
  const flush = () => {
    while (batch.length > 0) {
      let written = writevSync(fd, batch);
      let used = 0;
      while (used < batch.length && written >= batch[used]!.byteLength) {
        written -= batch[used]!.byteLength;
        used++;
      }
      batch = batch.slice(used);
      if (written > 0) batch[0] = batch[0]!.subarray(written);
    }
  };
  for (const piece of pieces) {
    if (piece.byteLength === 0) continue;
    batch.push(piece);
    if (batch.length === 1024) flush();
  }
  flush();
}

/**
 * Replaces `path` atomically: the pieces go to a temporary file in the same directory, which is
 * flushed and renamed over the target. An existing file keeps its mode; a new one gets `newMode`.
 * On any failure the target is untouched and the temporary file removed.
 */
export function writeAtomic(given: string, pieces: Iterable<Uint8Array>, newMode = 0o600): void {
  let path = given;
  let mode = newMode;
  let owner: { uid: number; gid: number } | undefined;
  try {
    // A symbolic link stays a link: the file it points to is replaced.
    path = realpathSync(given);
    const stat = statSync(path);
    mode = stat.mode & 0o7777;
    owner = { uid: stat.uid, gid: stat.gid };
  } catch {
    // a new file
  }
  const temp = join(dirname(path), `.${basename(path)}.s5-${randomBytes(6).toString("hex")}`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, "wx", mode);
    fchmodSync(fd, mode);
    if (owner && (owner.uid !== process.getuid?.() || owner.gid !== process.getgid?.())) {
      try {
        fchownSync(fd, owner.uid, owner.gid);
      } catch {
        // only root may give a file away; the content is still written with the right mode
      }
    }
    writeAll(fd, pieces);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (cause) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // nothing was created
    }
    throw new IoError(
      "S5_OUTPUT",
      `cannot write ${path} (${(cause as { code?: string }).code ?? "error"})`,
      {
        cause,
        hint: "nothing was changed; check the directory's permissions and free space",
      },
    );
  }
}

/** Writes pieces to stdout in order and waits until they are handed to the OS. */
export async function writeStdout(pieces: Iterable<Uint8Array>): Promise<void> {
  for (const piece of pieces) {
    if (piece.byteLength === 0) continue;
    if (!process.stdout.write(piece)) {
      await new Promise<void>((resolve, reject) => {
        const done = (error?: Error) => {
          process.stdout.off("drain", done).off("error", done);
          if (error) reject(error);
          else resolve();
        };
        process.stdout.on("drain", done).on("error", done);
      });
    }
  }
}

/** Whether to colour stderr: only on a terminal, never with NO_COLOR; FORCE_COLOR forces it. */
export function useColor(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== "0") return true;
  return Boolean(process.stderr.isTTY);
}

// ignoreBOM keeps a leading BOM in the text, so writing the text back keeps it too.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Reads a file (or stdin) that must be UTF-8 text, for commands that rewrite it as text. */
export async function readText(path: string): Promise<string> {
  const bytes = await readInput(path);
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    throw new IoError("S5_INPUT", `${path} is not UTF-8 text`, {
      cause,
      hint: "seal and edit rewrite text; for other files use s5 cipher and paste the token",
    });
  }
}
