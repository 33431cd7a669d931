import { loadCommands } from "../commands.ts";
import { bashScript } from "../completion/bash.ts";
import { fishScript } from "../completion/fish.ts";
import { completionModel } from "../completion/model.ts";
import { zshScript } from "../completion/zsh.ts";
import type { Context } from "../context.ts";
import { defineCommand } from "../define.ts";
import { commonOptions } from "../options.ts";
import { stdoutStream } from "../stdout.ts";

const SHELLS = ["bash", "zsh", "fish"] as const;

export default defineCommand({
  name: "completion",
  summary: "print a shell completion script",
  description: `Prints a shell completion script for commands, options, backend words and file names.
  bash:  echo 'source <(s5 completion bash)' >> ~/.bashrc
  zsh:   s5 completion zsh > "\${fpath[1]}/_s5"   (then restart zsh)
  fish:  s5 completion fish > ~/.config/fish/completions/s5.fish`,
  positionals: [{ name: "SHELL", complete: SHELLS }],
  options: commonOptions,
  examples: ["s5 completion bash"],
  async run({ positionals }, context: Context) {
    const [shell, ...rest] = positionals;
    if (rest.length > 0 || (shell !== "bash" && shell !== "zsh" && shell !== "fish")) {
      context.usage("name a shell: bash, zsh or fish");
    }
    const model = completionModel(await loadCommands());
    const script =
      shell === "bash" ? bashScript(model) : shell === "zsh" ? zshScript(model) : fishScript(model);
    stdoutStream().write(script);
    return 0;
  },
});
