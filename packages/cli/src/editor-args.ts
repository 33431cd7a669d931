/**
 * Vim (and Neovim) keep what was typed beyond the file: yanked lines, search and substitute
 * patterns in `~/.viminfo` (Neovim's shada), and with `undofile` set in a vimrc, the old text in
 * an undo file, a swap file where `directory` points (`~/.vs//`, Neovim's state directory) and a
 * backup beside a `backupdir`. For the decrypted copy `s5 edit` opens, none of that is written:
 * `-n` (no swap file), `-i NONE`, and no undo or backup file.
 */
const { accessSync, constants, realpathSync } = process.getBuiltinModule("node:fs");
const { basename, delimiter, isAbsolute, join } = process.getBuiltinModule("node:path");

const VIM_OPTIONS = `-n -i NONE -c 'setlocal noundofile nobackup nowritebackup'`;

/** The program an `$EDITOR` value runs: its first word that is not `NAME=value`, and where it ends. */
function programOf(editor: string): { word: string; end: number } | undefined {
  for (const match of editor.matchAll(/\S+/g)) {
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(match[0])) continue;
    return { word: match[0], end: match.index + match[0].length };
  }
  return undefined;
}

function onPath(program: string): string | undefined {
  if (program.includes("/")) return program;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!isAbsolute(dir)) continue;
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Whether the editor is Vim or Neovim, by the file it runs (`vi` is often Vim, or not). */
export function isVim(editor: string): boolean {
  const program = programOf(editor)?.word;
  const path = program && onPath(program);
  if (!path) return false;
  let name = basename(path);
  try {
    name = basename(realpathSync(path));
  } catch {
    // as named
  }
  return /^(?:n|g|m)?vim(?:\.|$)/.test(name);
}

/**
 * The editor's command with those options right after the program (before anything the user
 * gave it, such as `--`, after which Vim takes every word as a file name).
 */
export function privateEditor(editor: string): string {
  const program = isVim(editor) ? programOf(editor) : undefined;
  if (!program) return editor;
  return `${editor.slice(0, program.end)} ${VIM_OPTIONS}${editor.slice(program.end)}`;
}
