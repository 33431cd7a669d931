import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { basename, join } from "node:path";
import {
  type Backends,
  createBackends,
  defaultBackend,
  ExitCode,
  IoError,
  S5Error,
  type Settings,
  sealText,
  toS5Error,
} from "@s5/core";
import { openForEdit } from "@s5/core/internal";
import { overridesFrom } from "../args.ts";
import { childEnv } from "../child-env.ts";
import type { Context } from "../context.ts";
import {
  guardSeals,
  isRetired,
  keyRetiredSince,
  noteSealingAgain,
  RETIRED_ATTEMPTS,
} from "../current-key.ts";
import { BACKEND_WORDS, defineCommand } from "../define.ts";
import { privateEditor } from "../editor-args.ts";
import { projectsForFiles, type SealingProject } from "../file-project.ts";
import { goToolFormFor, noteNotGoTool } from "../go-tool-form.ts";
import { decodeText, readInput } from "../io.ts";
import { backendOptions, commonOptions } from "../options.ts";
import { makePrivateDir, writePrivate } from "../private-dir.ts";
import { sealSummary } from "../seal-summary.ts";
import { ENDING_SIGNALS } from "../temp.ts";
import { checkOutputs, writeOutputs } from "../write.ts";

/** Runs the editor through the shell, so `EDITOR="code --wait"` works. */
function startEditor(file: string): { child: ChildProcess; done: Promise<number> } {
  const editor = process.env.VISUAL || process.env.EDITOR || "vi";
  // `exec`: the editor is the child itself, so a signal to it (when s5 must stop) reaches it,
  // not a shell that would leave it running with the plaintext. Through `env`, so that
  // `EDITOR='LC_ALL=C vim'` still works (`exec NAME=value cmd` is not a command to a shell).
  const command = privateEditor(editor);
  const child = spawn("/bin/sh", ["-c", `exec env ${command} "$1"`, "s5-editor", file], {
    stdio: "inherit",
    env: childEnv(process.env),
  });
  const done = new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) =>
      resolve(signal ? 128 + (osConstants.signals[signal] ?? 0) : (code ?? 1)),
    );
  });
  return { child, done };
}

/**
 * Asks on stderr and reads one line of stdin (crontab -e asks the same way); undefined when stdin
 * ends without an answer (nobody to ask).
 */
async function askAgain(question: string): Promise<boolean | undefined> {
  process.stderr.write(`s5: ${question} [Y/n] `);
  const { createInterface } = await import("node:readline");
  const lines = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of lines) return !/^\s*n/i.test(line);
    process.stderr.write("\n");
    return undefined;
  } finally {
    lines.close();
    process.stdin.pause();
  }
}

type SealOptions = Parameters<typeof sealText>[1];

/**
 * Seals the edited text and lands it (`land`: writes it back, holding what `hold` holds). A typo
 * in a marker sends the user back to the editor ("edit"); a key retired by a `keys rotate` while
 * s5 sealed means sealing again to the new one (current-key.ts); any other failure of sealing
 * (Vault down, a token that expired while the editor was open, a key to trust first) asks whether
 * to try again once it is fixed — with fresh settings and backends, so a `bao login` meanwhile
 * counts — and the edits wait. Without a yes, the edits (plaintext) are discarded, and the error
 * says so. A failure to write back is `land`'s to report (it keeps the edits).
 */
async function sealEdits(
  edited: string,
  options: Omit<SealOptions, "backends" | "backend">,
  start: { settings: Settings; backends: Backends },
  fresh: () => Settings,
  land: (text: string, hold: () => { release(): void }) => Promise<void>,
): Promise<Awaited<ReturnType<typeof sealText>> | "edit"> {
  // The project's key may have been rotated while the editor was open: then from the file as it
  // is now (the start's settings would be refused by the record of known keys, or retired). Only
  // then: fresh backends log in to Vault again, which a single-use credential does not survive.
  let reuse = defaultBackend(start.settings) !== "local" || !keyRetiredSince(start.settings);
  let retired = 0;
  for (;;) {
    let landing = false;
    try {
      const settings = reuse ? start.settings : fresh();
      await using made = reuse ? undefined : createBackends(settings);
      const { backends, hold } = guardSeals(settings, made ?? start.backends);
      reuse = false;
      const backend = defaultBackend(settings);
      const result = await sealText(edited, { ...options, backends, backend });
      landing = true;
      await land(result.text, hold);
      return result;
    } catch (error) {
      const failure = toS5Error(error);
      if (isRetired(failure) && ++retired < RETIRED_ATTEMPTS) {
        noteSealingAgain(failure);
        continue;
      }
      if (landing && !isRetired(failure)) throw error;
      const typo = failure.exitCode === ExitCode.malformed || failure.code === "S5_VALUE_EMPTY";
      process.stderr.write(`s5: error: ${failure.describe()}\n`);
      const again = await askAgain(
        typo ? "edit again to fix it?" : "encrypt again once that is fixed? (your edits wait)",
      );
      if (again) {
        if (typo) return "edit";
        continue;
      }
      throw new S5Error(
        failure.code,
        failure.exitCode,
        `your edits were discarded; ${options.name} is unchanged`,
        {
          hint:
            again === undefined
              ? "stdin ended without an answer; the edits hold plaintext, so they are not kept: run `s5 edit` in a terminal, or give the answer on stdin"
              : "run `s5 edit` again",
        },
      );
    }
  }
}

/**
 * New values that may have been meant to replace a token of another backend (its line rewritten
 * beside them, or moved and changed): said, as s5 cannot tell, so that no reader changes silently.
 */
function noteUnplaced(
  unplaced: Awaited<ReturnType<typeof sealText>>["unplaced"],
  backend: string,
): void {
  for (const { location, removed } of unplaced ?? []) {
    process.stderr.write(
      `s5: note: ${location.file}:${location.line}:${location.column}: a new value, sealed with the ${backend} backend (the default for new values), while a token of the ${removed} backend lost its value in this edit; if this value replaces it, its readers changed: \`s5 cipher ${removed}\` it and put that token in its place (a value changed where its token stood keeps the token's backend)\n`,
    );
  }
}

async function runEditor(temp: string, running: (child: ChildProcess | undefined) => void) {
  const run = startEditor(temp);
  running(run.child);
  const code = await run.done;
  running(undefined);
  if (code !== 0) {
    throw new S5Error("S5_EDITOR", ExitCode.editor, `the editor exited with code ${code}`, {
      hint: "set VISUAL or EDITOR to an editor that waits until you close the file (e.g. `code --wait`)",
    });
  }
}

/**
 * Keeps the sealed result (tokens only, no plaintext) beside the file, in a name not taken yet
 * (`FILE.s5-edit`, then `FILE.s5-edit-2`…): an earlier one may still hold edits to merge. Where
 * nothing can be written (a full disk, the directory gone), it goes to stdout. Returns what the
 * user does with it.
 */
async function keepEdits(file: string, text: string): Promise<string> {
  for (let n = 1; n < 100; n++) {
    const kept = n === 1 ? `${file}.s5-edit` : `${file}.s5-edit-${n}`;
    if (existsSync(kept)) continue;
    try {
      await writeOutputs([{ path: kept, pieces: [Buffer.from(text)] }], { secret: true });
      return `are in ${kept}: merge them into ${file}, then remove it`;
    } catch {
      break;
    }
  }
  process.stdout.write(text);
  return `are on stdout (above), as nothing could be written beside ${file}: merge them into it`;
}

/**
 * The file must be as it was when the editor opened: another change (a `git pull`, a second
 * editor) is never overwritten.
 */
async function guardChanged(file: string, original: Buffer): Promise<void> {
  const now = await readInput(file).catch(() => undefined);
  if (now?.equals(original)) return;
  throw new IoError(
    "S5_OUTPUT_CHANGED",
    now === undefined
      ? `${file} was moved or removed while the editor was open`
      : `${file} changed while the editor was open; it was not overwritten`,
  );
}

/**
 * Writes the result in place; on any failure the edits are kept (sealed) and the error says where
 * — but for a key retired meanwhile: those tokens go to no file, they are sealed again.
 */
async function writeBack(
  file: string,
  original: Buffer,
  text: string,
  force: boolean | undefined,
  hold: () => { release(): void },
) {
  try {
    await guardChanged(file, original);
    await writeOutputs([{ path: file, pieces: [Buffer.from(text)] }], {
      secret: false,
      inPlace: true,
      force,
      hold,
    });
  } catch (error) {
    const failure = toS5Error(error);
    if (isRetired(failure)) throw failure;
    const kept = await keepEdits(file, text);
    throw new S5Error(failure.code, failure.exitCode, failure.message, {
      cause: failure,
      hint: `your edits (values encrypted) ${kept}`,
    });
  }
}

export default defineCommand({
  name: "edit",
  summary: "edit decrypted values in $EDITOR",
  description: `Opens FILE in $VISUAL or $EDITOR (default: vi) with every token shown as a seal marker holding its
plaintext, then writes the file back atomically:
  - values you did not change keep their token byte for byte (clean diffs);
  - a changed value gets a new token of its old token's backend (the same Vault transit key, the
    project's current local key, the same AES key), so the same people can read it;
  - new markers such as {{ s5:seal new-value }} get tokens of the project's backend.
The file is read with the keys of its own project (the nearest .s5.json above it).
The decrypted copy lives in a private temporary directory (mode 0700, file 0600; in memory where
the system allows: $XDG_RUNTIME_DIR, /dev/shm) and is removed on
exit, also after Ctrl-C. If the editor fails, the file is left untouched. A malformed marker
reopens the editor with your edits (after asking), and a file that changed while the editor was
open is never overwritten: your version, encrypted, is kept as FILE.s5-edit (FILE.s5-edit-2… when
that exists), as it is when the file cannot be written back (moved, read-only, a full disk).`,
  positionals: [
    { name: "BACKEND", optional: true, complete: BACKEND_WORDS },
    { name: "FILE", complete: "file" },
  ],
  options: {
    ...commonOptions,
    ...backendOptions,
    force: { type: "boolean", description: "edit a read-only file" },
    "allow-empty": {
      type: "boolean",
      description: "seal a new empty or white-space-only value (refused otherwise)",
    },
    legacy: {
      type: "boolean",
      env: "S5_LEGACY_TOKENS",
      description: "write new tokens the Go tool can read (also legacyTokens in .s5.json)",
    },
  },
  examples: ["s5 edit secret.yml"],
  async run({ values, positionals, backendWord }, context: Context) {
    const [file] = positionals;
    if (file === undefined || positionals.length > 1 || file === "-")
      context.usage("edit takes one FILE");
    // The file's own project (a subdirectory's `.s5.json`), not only the working directory's.
    const [{ settings, fresh }] = projectsForFiles([file], overridesFrom(values, backendWord)) as [
      SealingProject,
    ];
    // Read once: the same bytes are compared again before writing (guardChanged).
    const originalBytes = await readInput(file);
    const original = decodeText(originalBytes, file);
    // Before the editor opens: a file s5 may not replace would cost the user every edit.
    checkOutputs([file], { secret: false, inPlace: true, force: values.force });
    await using backends = createBackends(settings);
    const { dir, remove: cleanup, keepFor } = makePrivateDir("s5-edit-");
    let editor: ChildProcess | undefined;
    // Ctrl-C and Ctrl-\ reach the editor too, which decides what they mean; s5 cleans up when
    // the editor ends. A signal meant for s5 alone (SIGTERM, SIGHUP…, or a terminal's signal
    // outside the editor) stops both.
    const onSignal = (signal: NodeJS.Signals) => {
      if ((signal === "SIGINT" || signal === "SIGQUIT") && editor) return;
      editor?.kill("SIGTERM");
      cleanup();
      process.exit(128 + (osConstants.signals[signal] ?? 0));
    };
    for (const signal of ENDING_SIGNALS) process.on(signal, onSignal);
    try {
      const copy = await openForEdit(original, file, backends);
      const temp = join(dir, basename(file));
      writePrivate(
        temp,
        [Buffer.from(copy.text)],
        `the decrypted copy of ${file}`,
        `${file} is unchanged`,
      );
      for (;;) {
        try {
          await runEditor(temp, (child) => {
            editor = child;
            // Should s5 be killed (SIGKILL), the copy stays while the editor has it open.
            if (child) keepFor(child.pid);
          });
        } catch (error) {
          if (error instanceof S5Error) error.message += `; ${file} is unchanged`;
          throw error;
        }
        const edited = readFileSync(temp, "utf8");
        if (edited === copy.text) {
          process.stderr.write(`${file}: no change\n`);
          return 0;
        }
        const result = await sealEdits(
          edited,
          {
            name: file,
            from: copy,
            allowEmpty: values["allow-empty"],
            goTool: goToolFormFor(settings, original),
          },
          { settings, backends },
          fresh,
          (text, hold) => writeBack(file, originalBytes, text, values.force, hold),
        );
        if (result === "edit") continue;
        process.stderr.write(sealSummary(file, result, { kept: true }));
        noteNotGoTool(file, result.notGoTool);
        noteUnplaced(result.unplaced, defaultBackend(settings));
        return 0;
      }
    } finally {
      for (const signal of ENDING_SIGNALS) process.off(signal, onSignal);
      cleanup();
    }
  },
});
