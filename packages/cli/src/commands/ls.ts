import { readFile } from "node:fs/promises";
import { findTokens, goToolBackendOf, resolveSettings } from "@s5/core";
import { commonOptions, parse } from "../args.ts";
import type { Context } from "../context.ts";
import { listFiles, looksBinary } from "../walk.ts";
import { writeStdout } from "../write.ts";

export const lsHelp = `Usage: s5 ls [FILE…|DIR…] [--json]

Lists every token, one a line: \`file:line:col backend key version\` (\`-\` where a token does not
say). Directories are walked, honouring .gitignore; binary files are skipped. Malformed tokens are
reported on stderr. Default: the current directory.
Options:
      --json     one JSON array of {file, line, column, backend, key, version, goTool, filters}
`;

const options = { ...commonOptions, json: { type: "boolean" } } as const;

export async function lsCommand(args: readonly string[], context: Context): Promise<number> {
  const { values, positionals, backendWord } = parse("ls", args, options);
  if (values.help) return context.help(lsHelp);
  const settings = resolveSettings({
    overrides: { backend: backendWord ?? values.backend, configFile: values.config },
  });
  const legacy = goToolBackendOf(settings);
  const vaultKey = settings.env.S5_VAULT_TRANSIT_KEY ?? settings.project?.config.vault?.transitKey;
  const rows: Record<string, unknown>[] = [];
  for (const file of listFiles(positionals)) {
    const content = await readFile(file);
    if (looksBinary(content)) continue;
    const found = findTokens({ name: file, content }, legacy);
    for (const { location, error } of found.failures) {
      process.stderr.write(
        `${location.file}:${location.line}:${location.column}: ${error.message} (${error.code})\n`,
      );
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
            `${r.file}:${r.line}:${r.column} ${r.backend} ${r.key ?? "-"} ${r.version === null ? "-" : `v${r.version}`}${r.goTool ? " (go-tool)" : ""}\n`,
        )
        .join("");
  await writeStdout([Buffer.from(text)]);
  return 0;
}
