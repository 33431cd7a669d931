/**
 * Vim (and Neovim) keep what was typed beyond the file: yanked lines, search and substitute
 * patterns in `~/.viminfo` (Neovim's shada), and with `undofile` set in a vimrc, the old text in
 * an undo file. For the decrypted copy `s5 edit` opens, none of that is written: `-i NONE` and
 * `setlocal noundofile` (its swap file stays in s5's private directory and goes with it).
 */
const { accessSync, constants, realpathSync } = process.getBuiltinModule("node:fs");
const { basename, delimiter, isAbsolute, join } = process.getBuiltinModule("node:path");

const VIM_OPTIONS = `-i NONE -c 'setlocal noundofile'`;

/** The program an `$EDITOR` value runs: its first word that is not `NAME=value`. */
function programOf(editor: string): string | undefined {
  return editor
    .trim()
    .split(/\s+/)
    .find((word) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word));
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
  const program = programOf(editor);
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

/** The options to add after the editor's own words. */
export function privateEditorOptions(editor: string): string {
  return isVim(editor) ? ` ${VIM_OPTIONS}` : "";
}
