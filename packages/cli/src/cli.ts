/** The `s5` command: dispatches to one command module and turns errors into exit codes. */
import { UsageError } from "@s5/core";
import { backendsUsed } from "@s5/core/internal";
import { parse, shownName } from "./args.ts";
import { commands, loadCommands } from "./commands.ts";
import { commandContext } from "./context.ts";
import { report } from "./report.ts";
import { stdoutIsTTY, stdoutStream } from "./stdout.ts";
import { renderMainUsage } from "./usage.ts";

/**
 * The Go tool's global flags, which come before the command: log flags are skipped; its transit key
 * (`-k`/`--transit-key` in 0.1, `--vault-transit-key` later) is given to the command as
 * `--transit-key`, right after its name (before any `--`). Its 0.1 server flags are refused with
 * what to set instead: ignored, a command would go to another server or key, silently.
 */
function goToolGlobalFlags(args: readonly string[]): readonly string[] {
  const moved: string[] = [];
  let i = 0;
  for (;;) {
    const match =
      /^(--log-level|--log-format|--vault-transit-key|--transit-key|-k|--vault-addr|--vault-token)(=|$)/.exec(
        args[i] ?? "",
      );
    if (!match) break;
    const [, flag, equals] = match;
    if (flag === "--vault-addr" || flag === "--vault-token") {
      const variable = flag === "--vault-addr" ? "VAULT_ADDR" : "VAULT_TOKEN";
      throw new UsageError(`${flag} is the Go tool 0.1's flag; s5 reads ${variable}`, {
        hint: `set ${variable} instead (or BAO_${variable.slice(6)}); see \`s5 --help\``,
      });
    }
    const value = equals ? args[i]!.slice(flag!.length + 1) : args[i + 1];
    if (value === undefined) throw new UsageError(`option ${flag} needs a value`);
    if (!flag!.startsWith("--log-")) moved.push("--transit-key", value);
    i += equals ? 1 : 2;
  }
  const [name, ...rest] = args.slice(i);
  return name === undefined ? [] : [name, ...moved, ...rest];
}

/** The command this process ran (for {@link reached}). */
let ran: string | undefined;

/**
 * What this run did, for bin/engine.cjs, which keeps V8's compiled code of each command and
 * writes it again when a run went where the cached code had not: the command run, and the
 * backends it used as bits (local 1, aes 2, vault 4).
 */
export function reached(): { command: string | undefined; backends: number } {
  let backends = 0;
  for (const name of backendsUsed()) {
    const bit = ["local", "aes", "vault"].indexOf(name);
    if (bit >= 0) backends |= 1 << bit;
  }
  return { command: ran, backends };
}

export async function main(argv: readonly string[]): Promise<number> {
  let name: string | undefined;
  let rest: string[];
  try {
    [name, ...rest] = goToolGlobalFlags(argv);
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      const help = renderMainUsage(await loadCommands());
      if (name === undefined && !stdoutIsTTY() && argv.length === 0) {
        process.stderr.write(help);
        return 2;
      }
      stdoutStream().write(help);
      return 0;
    }
    if (name === "--version" || name === "-V" || name === "-v" || name === "version") {
      const { readFileSync } = await import("node:fs");
      const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
      stdoutStream().write(`${pkg.version}\n`);
      return 0;
    }
    const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (!load) {
      throw new UsageError(`unknown command ${shownName(name, Object.keys(commands))}`, {
        hint: "`s5 --help` lists the commands",
      });
    }
    ran = name;
    const def = (await load()).default;
    const context = commandContext(def);
    const input = parse(def, rest);
    if (input.values.help) return context.help();
    return await def.run(input, context);
  } catch (error) {
    return report(error);
  }
}
