// A ConfigMap or Secret volume as the kubelet writes it (its atomic writer): the files in a new
// timestamped directory, `..data` swapped to it by a rename, a link `NAME -> ..data/NAME` per
// file, the links of files no longer there removed, then the previous directory deleted.
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

let writes = 0;

/**
 * Writes `files` (name: content) into the volume `dir` as the kubelet does, at its first mount
 * and at each update: each file of mode `mode` (a Secret's `defaultMode`), or its own in `modes`.
 * Returns the new data directory.
 */
export function kubeletWrite(
  dir: string,
  files: Record<string, string>,
  { mode = 0o444, modes = {} }: { mode?: number; modes?: Record<string, number> } = {},
): string {
  mkdirSync(dir, { recursive: true });
  const data = `..2026_12_02_08_00_${String(writes++).padStart(2, "0")}.000000001`;
  mkdirSync(join(dir, data));
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, data, name), content);
    chmodSync(join(dir, data, name), modes[name] ?? mode);
    // A link left from a file removed before dangles: not `existsSync`, which follows it.
    if (!lstatSync(join(dir, name), { throwIfNoEntry: false })) {
      symlinkSync(`..data/${name}`, join(dir, name));
    }
  }
  const before = lstatSync(join(dir, "..data"), { throwIfNoEntry: false })
    ? readlinkSync(join(dir, "..data"))
    : undefined;
  symlinkSync(data, join(dir, "..data_tmp"));
  renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
  for (const name of readdirSync(dir)) {
    if (!name.startsWith("..") && !(name in files)) unlinkSync(join(dir, name));
  }
  if (before !== undefined) rmSync(join(dir, before), { recursive: true, force: true });
  return join(dir, data);
}
