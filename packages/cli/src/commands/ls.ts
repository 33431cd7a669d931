import { findTokens, formatLocation, resolveSettings, vaultTransit } from "@s5/core";
import { goToolBackendOf } from "@s5/core/internal";
import { overridesFrom } from "../args.ts";
import { BACKEND_WORDS, defineCommand } from "../define.ts";
import { backendOptions, commonOptions, jsonOption } from "../options.ts";
import { writeStdout } from "../stdout.ts";
import { textFiles } from "../walk.ts";

export default defineCommand({
  name: "ls",
  summary: "list every token",
  description: `Lists every token, one a line: \`file:line:col backend key version\` (\`-\` where a token does not
say; a Vault ciphertext does not name its transit key, so Vault tokens show the key the settings
name, the one s5 would decrypt them with). Directories are walked, honouring .gitignore as git
does (in a git work tree: those above them, info/exclude and core.excludesFile too, and every
file git tracks is read); binary files are skipped. Malformed tokens are reported on stderr. Default: the current directory.
With --json: one JSON array of {file, line, column, backend, key, version, legacy, goTool, filters}.`,
  positionals: [
    { name: "BACKEND", optional: true, complete: BACKEND_WORDS },
    { name: "FILE|DIR", optional: true, multiple: true, complete: "file" },
  ],
  options: { ...commonOptions, ...backendOptions, ...jsonOption },
  examples: ["s5 ls --json ."],
  async run({ values, positionals, backendWord }) {
    const settings = resolveSettings({ overrides: overridesFrom(values, backendWord) });
    const goToolBackend = goToolBackendOf(settings);
    // Bare Go-tool Vault tokens name no key: the one the settings say (the same precedence as
    // every command: -k, S5_VAULT_TRANSIT_KEY, .s5.json, "default").
    const vaultKey = vaultTransit(settings).key;
    const rows: Record<string, unknown>[] = [];
    for (const { file, content } of textFiles(positionals)) {
      const found = findTokens({ name: file, content }, goToolBackend);
      for (const { location, error } of found.failures) {
        process.stderr.write(`${formatLocation(location)}: ${error.message} (${error.code})\n`);
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
      ? `${JSON.stringify(rows, null, 2)}\n`
      : rows
          .map(
            (r) =>
              `${formatLocation({ file: r.file as string, line: r.line as number, column: r.column as number })} ${r.backend} ${r.key ?? "-"} ${r.version === null ? "-" : `v${r.version}`}${r.goTool ? " (go-tool)" : ""}\n`,
          )
          .join("");
    await writeStdout([Buffer.from(text)]);
    return 0;
  },
});
