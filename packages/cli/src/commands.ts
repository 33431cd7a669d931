/**
 * Every command, in the order `s5 --help` lists them. Each module loads only when its command
 * runs (`s5 cipher` pays nothing for `s5 check`); `--help` and completion load them all.
 */
import type { CommandDef } from "./define.ts";

type Loader = () => Promise<{ default: CommandDef }>;

export const commands: Record<string, Loader> = {
  cipher: () => import("./commands/cipher.ts"),
  decipher: () => import("./commands/decipher.ts"),
  render: () => import("./commands/render.ts"),
  seal: () => import("./commands/seal.ts"),
  edit: () => import("./commands/edit.ts"),
  rewrap: () => import("./commands/rewrap.ts"),
  ls: () => import("./commands/ls.ts"),
  check: () => import("./commands/check.ts"),
  doctor: () => import("./commands/doctor.ts"),
  run: () => import("./commands/run.ts"),
  "tf-external": () => import("./commands/tf-external.ts"),
  k8s: () => import("./commands/k8s.ts"),
  init: () => import("./commands/init.ts"),
  keys: () => import("./commands/keys.ts"),
  completion: () => import("./commands/completion.ts"),
};

/** Every command's declaration, in order. */
export async function loadCommands(): Promise<CommandDef[]> {
  return Promise.all(Object.values(commands).map(async (load) => (await load()).default));
}
