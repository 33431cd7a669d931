import { ExitCode, findTokens, formatLocation, resolveSettings, vaultTransit } from "@s5/core";
import { goToolBackendOf, showableJson } from "@s5/core/internal";
import { overridesFrom } from "../args.ts";
import { BACKEND_WORDS, defineCommand } from "../define.ts";
import { settingsPerFile } from "../file-project.ts";
import { backendOptions, commonOptions, jsonOption } from "../options.ts";
import { writeStdout } from "../stdout.ts";
import { textFiles } from "../walk.ts";

export default defineCommand({
  name: "ls",
  summary: "list every token",
  description: `Lists every token, one a line: \`file:line:col backend key version\` (\`-\` where a token does not
say; a Vault ciphertext does not name its transit key, so Vault tokens show the key the settings
name for the file's project (its nearest .s5.json), the one s5 would decrypt them with). Directories are walked, honouring .gitignore as git
does (in a git work tree: those above them, info/exclude and core.excludesFile too, and every
file git tracks is read); binary files are skipped. Default: the current directory.
With --json: one JSON array of {file, line, column, backend, key, version, legacy, goTool, filters}.
What cannot be listed (a malformed token, a backend word or filter this s5 does not have, a seal
marker still in clear) is reported on stderr and the exit code is 5: the list on stdout is whole
but for those.`,
  positionals: [
    { name: "BACKEND", optional: true, complete: BACKEND_WORDS },
    { name: "FILE|DIR", optional: true, multiple: true, complete: "file" },
  ],
  options: { ...commonOptions, ...backendOptions, ...jsonOption },
  examples: ["s5 ls --json ."],
  async run({ values, positionals, backendWord }) {
    const overrides = overridesFrom(values, backendWord);
    // Each file with its own project's settings: a sub-project's Vault tokens were listed with
    // the working directory's transit key, which does not open them.
    const settingsOf = settingsPerFile(overrides, resolveSettings({ overrides }));
    const rows: Record<string, unknown>[] = [];
    const hints = new Set<string>();
    let unlisted = 0;
    for (const { file, content, walked } of textFiles(positionals)) {
      const settings = settingsOf(file, walked);
      const goToolBackend = goToolBackendOf(settings);
      // Vault tokens name no key: the one the settings say (the same precedence as every
      // command: -k, S5_VAULT_TRANSIT_KEY, .s5.json, "default").
      const vaultKey = vaultTransit(settings).key;
      const found = findTokens({ name: file, content }, goToolBackend);
      for (const { location, error } of found.failures) {
        process.stderr.write(`${formatLocation(location)}: ${error.message} (${error.code})\n`);
        // A backend word or filter this s5 does not have: its hint says whether a newer s5's.
        if (error.hint && (error.code === "S5_TOKEN_SCHEME" || error.code === "S5_TOKEN_FILTER")) {
          hints.add(error.hint);
        }
        unlisted++;
      }
      for (const token of found.tokens) {
        const { line, column } = found.lines.locate(token.start);
        const { backend, key, version, goTool } = token.info;
        rows.push({
          file,
          line,
          column,
          backend,
          key: key ?? (backend === "vault" ? vaultKey : undefined) ?? null,
          version: version ?? null,
          legacy: goTool,
          goTool,
          filters: token.filters,
        });
      }
    }
    const text = values.json
      ? `${showableJson(rows, 2)}\n`
      : rows
          .map(
            (r) =>
              `${formatLocation({ file: r.file as string, line: r.line as number, column: r.column as number })} ${r.backend} ${r.key ?? "-"} ${r.version === null ? "-" : `v${r.version}`}${r.goTool ? " (go-tool)" : ""}\n`,
          )
          .join("");
    // An inventory with holes says so in its exit code (a script reading `--json` would take it
    // for the whole list); set before writing, so a reader that stops early (`| head`) ends s5
    // with it too.
    const exitCode = unlisted > 0 ? ExitCode.malformed : 0;
    process.exitCode = exitCode;
    await writeStdout([Buffer.from(text)]);
    if (unlisted > 0) {
      process.stderr.write(
        `s5: error: ${unlisted} token(s) or marker(s) could not be listed; the list leaves them out\n`,
      );
    }
    for (const hint of hints) process.stderr.write(`  hint: ${hint}\n`);
    return exitCode;
  },
});
