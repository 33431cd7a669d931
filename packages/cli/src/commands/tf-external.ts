import { createBackends, renderSources, resolveSettings, type Source } from "@s5/core";
import { overridesFrom } from "../args.ts";
import type { Context } from "../context.ts";
import { BACKEND_WORDS, defineCommand } from "../define.ts";
import { readStdin } from "../io.ts";
import { backendOptions, commonOptions } from "../options.ts";
import { writeStdout } from "../stdout.ts";
import { refuseProviderTrace } from "../tf-log.ts";
import { readQuery, shown } from "../tf-query.ts";

export default defineCommand({
  name: "tf-external",
  summary: "the OpenTofu external data source",
  description: `The program of a Terraform/OpenTofu \`external\` data source: reads the query (one JSON object of
strings) on stdin and prints the same object on stdout, with every s5 token inside its values
decrypted. On any failure it exits non-zero with a message on stderr that never holds a value.
  data "external" "db" {
    program = ["npx", "s5", "tf-external"]
    query   = { password = "{{ s5:local:AbCdEfGh:… }}" }
  }
  # data.external.db.result.password is the plaintext
The query names no file: its tokens are read with the working directory's project, and OpenTofu
runs the program where \`tofu\` runs (the root module). A module with its own .s5.json sets
\`working_dir = path.module\` in the data source.
It refuses to run when TF_LOG_PROVIDER (else TF_LOG) logs providers at TRACE: the provider
writes the program's output into that log.
Warning: the result of a data source is stored in the state (and plan) in plain text. Prefer
\`s5 run -- tofu apply\` with TF_VAR_* and \`ephemeral = true\` variables; see the README.`,
  positionals: [{ name: "BACKEND", optional: true, complete: BACKEND_WORDS }],
  options: { ...commonOptions, ...backendOptions },
  // npx: with s5 installed in the project (`npm install --save-dev s5`), `s5` alone is on no
  // PATH that OpenTofu sees, and the data source fails with "executable file not found".
  examples: ['program = ["npx", "s5", "tf-external"]'],
  async run({ values, positionals, backendWord }, context: Context) {
    if (positionals.length > 0) context.usage("tf-external takes no arguments");
    const query = readQuery(
      await readStdin(
        "the query JSON object",
        'OpenTofu\'s external data source writes it on stdin (`program = ["npx", "s5", "tf-external"]`); ' +
          `to try it by hand, pipe one in: \`echo '{"db":"{{ s5:… }}"}' | s5 tf-external\``,
      ),
    );
    refuseProviderTrace(process.env);
    const keys = Object.keys(query);
    const sources: Source<string>[] = keys.map((key) => ({
      name: `query.${shown(key)}`,
      content: query[key]!,
    }));
    await using backends = createBackends(
      resolveSettings({ overrides: overridesFrom(values, backendWord) }),
    );
    // Its sources are values named `query.KEY`, not files: no place to judge.
    const rendered = await renderSources(sources, backends, { inputType: "text" });
    const result = Object.fromEntries(keys.map((key, i) => [key, rendered[i]!]));
    await writeStdout([Buffer.from(`${JSON.stringify(result)}\n`)]);
    return 0;
  },
});
