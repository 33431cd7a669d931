/** Reading inputs: stdin, files, UTF-8 text; and the colour of stderr. (Outputs: write.ts.) */
import {
  type BigIntStats,
  close,
  fstat,
  fstatSync,
  open,
  readFile as readFileCallback,
  statSync,
} from "node:fs";
import { resolve } from "node:path";
import { IoError, UsageError } from "@s5/core";
import { danglingHint, errnoOf, readHint } from "@s5/core/internal";
import { checkReadPlace } from "./read-place.ts";

/**
 * Reads all of stdin; refuses to wait on a terminal, where nobody would know input is expected.
 * `hint`: how this command can be given its input instead (each caller takes it its own way).
 */
export async function readStdin(what: string, hint: string): Promise<Buffer> {
  if (process.stdin.isTTY) {
    throw new UsageError(`${what} is expected on stdin, and stdin is a terminal`, { hint });
  }
  // Node reads a directory on stdin (`< /tmp`) as empty input: said as a named file would be.
  let directory = false;
  try {
    directory = fstatSync(0).isDirectory();
  } catch {
    // closed or not a file: the read below says so
  }
  if (directory) {
    throw new IoError("S5_INPUT", "cannot read stdin (EISDIR)", {
      hint: "stdin is a directory (`< DIR`): redirect a file instead (`< FILE`)",
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

/**
 * A file's bytes and the stat of the descriptor they were read through (what was read, even if
 * the name leads elsewhere by then). Callbacks: fs/promises would load readline and more (~2 ms).
 */
function readFile(path: string): Promise<{ bytes: Buffer; stat: BigIntStats }> {
  return new Promise((resolve, reject) => {
    open(path, "r", (error, fd) => {
      if (error) return reject(error);
      const closing = (outcome: () => void) => close(fd, () => outcome());
      fstat(fd, { bigint: true }, (statError, stat) => {
        if (statError) return closing(() => reject(statError));
        // Read through a descriptor, a directory reads as empty: fail as its name does.
        if (stat.isDirectory()) {
          const error = Object.assign(new Error(`EISDIR: ${path} is a directory`), {
            code: "EISDIR",
          });
          return closing(() => reject(error));
        }
        readFileCallback(fd, (readError, bytes) =>
          closing(() => (readError ? reject(readError) : resolve({ bytes, stat }))),
        );
      });
    });
  });
}

/** What a file was when s5 read it: a write since then changes one of these. */
export interface Stamp {
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
}

const stamps = new Map<string, Stamp>();

/**
 * The stamp of a file as `readInput` found it before reading, or undefined when s5 did not read
 * it. `-i` compares it just before replacing the file: an editor's save or a `git pull` during a
 * Vault round trip would otherwise be lost.
 */
export function stampOf(path: string): Stamp | undefined {
  return stamps.get(resolve(path));
}

export function stampNow(path: string): Stamp | undefined {
  try {
    const stat = statSync(path, { bigint: true });
    return { size: Number(stat.size), mtimeNs: stat.mtimeNs, ctimeNs: stat.ctimeNs, ino: stat.ino };
  } catch {
    return undefined;
  }
}

/**
 * Takes a file's stamp before s5 reads it some other way (the project config, through core): a
 * write with `inPlace` then refuses to replace it if it changed meanwhile.
 */
export function stampBeforeRead(path: string): void {
  const stamp = stampNow(path);
  if (stamp) stamps.set(resolve(path), stamp);
  else stamps.delete(resolve(path));
}

/** Reads a file, or stdin for `-`. */
export async function readInput(path: string): Promise<Buffer> {
  if (path === "-") {
    return readStdin("the input", "name a FILE, or pipe the input in (`cat FILE | s5 …`)");
  }
  try {
    const { bytes, stat } = await readFile(path);
    // The stamp of what was read (a write while it is read changes its times after this), not
    // of what the name leads to before or after.
    const stamp = {
      size: Number(stat.size),
      mtimeNs: stat.mtimeNs,
      ctimeNs: stat.ctimeNs,
      ino: stat.ino,
    };
    stamps.set(resolve(path), stamp);
    checkReadPlace(path, stat);
    return bytes;
  } catch (cause) {
    if (cause instanceof IoError) throw cause;
    const code = errnoOf(cause);
    throw new IoError("S5_INPUT", `cannot read ${path} (${code})`, {
      cause,
      hint:
        (code === "ENOENT" ? danglingHint(path) : undefined) ??
        readHint(code, "name the files in it (`s5 ls DIR` lists those with tokens)"),
    });
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
  return decodeText(await readInput(path), path);
}

/** Bytes already read, as UTF-8 text (an error naming `path` when they are not). */
export function decodeText(bytes: Uint8Array, path: string): string {
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    throw new IoError("S5_INPUT", `${path} is not UTF-8 text`, {
      cause,
      hint: "seal and edit rewrite text; for other files use s5 cipher and paste the token",
    });
  }
}
