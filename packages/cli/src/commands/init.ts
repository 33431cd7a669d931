import { statSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { IoError, PROJECT_FILE, type ProjectConfig, resolveSettings } from "@s5/core";
import { addProjectKey, errnoOf, knownKeysPlace, readHint, rememberKeys } from "@s5/core/internal";
import type { Context } from "../context.ts";
import { defineCommand } from "../define.ts";
import { commonOptions } from "../options.ts";
import { ensureIdentity, schemaReference, updateProject } from "../project.ts";
import { stdoutStream } from "../stdout.ts";

export default defineCommand({
  name: "init",
  summary: "set up local keys for this project",
  description: `Sets up local keys, the embedded default (no server needed):
  - your identity (a secret key) in ~/.config/s5/identity.txt, mode 0600, made once per user
    ($S5_IDENTITY_FILE or $XDG_CONFIG_HOME move it);
  - a project key in DIR/${PROJECT_FILE} (default: the current directory), to commit: its public
    half lets anyone encrypt; its secret half is stored only sealed to each recipient.
Teammates and CI become recipients with \`s5 keys add\` (see \`s5 keys --help\`).`,
  positionals: [],
  options: {
    ...commonOptions,
    name: {
      type: "string",
      value: "NAME",
      description: "your recipient name",
      default: "user@host",
    },
    dir: { type: "string", value: "DIR", description: `where to create ${PROJECT_FILE}` },
  },
  examples: ["s5 init"],
  async run({ values, positionals, backendWord }, context: Context) {
    // Not echoed: a word typed here may be a secret.
    if (positionals.length > 0) context.usage("init takes no arguments");
    if ((backendWord ?? values.backend ?? "local") !== "local") {
      context.usage("init sets up local keys only: it takes no other backend");
    }
    if (values.dir !== undefined) checkDirectory(values.dir);
    const settings = resolveSettings({ overrides: { configFile: values.config } });
    // Inside a project (an .s5.json in a parent directory), that project: a nested one with a
    // key of its own would shadow it, and teammates' tokens would stop decrypting here.
    const enclosing =
      values.config === undefined && values.dir === undefined ? settings.project?.file : undefined;
    const file = values.config
      ? resolve(values.config)
      : (enclosing ?? join(resolve(values.dir ?? "."), PROJECT_FILE));
    const { identity, created } = await ensureIdentity(settings.identityFile, {
      known: !settings.env.S5_IDENTITY_FILE,
    });
    const say = (line: string) => process.stderr.write(`${line}\n`);
    say(
      created
        ? `created your identity in ${settings.identityFile} (mode 0600)`
        : `using your identity in ${settings.identityFile}`,
    );

    if (enclosing && dirname(enclosing) !== resolve(".")) {
      say(`using the project of ${enclosing} (pass --dir . for a separate project here)`);
    }
    // Under the project's lock: two s5 init at once would each make a key, and one would be lost.
    const key = await updateProject(file, async (read) => {
      // A new config names its JSON Schema, for editors; an existing one keeps what it has.
      const config: ProjectConfig = read ?? { $schema: schemaReference(dirname(file)) };
      const newest = config.local?.keys.at(-1);
      if (newest) {
        if (newest.recipients.some((r) => r.publicKey === identity.publicKey)) {
          say(`${file} is already set up, and you are a recipient of local key ${newest.id}`);
        } else {
          say(`${file} already has local key ${newest.id}, and you are not a recipient yet.`);
          say(`Ask a recipient to run:  s5 keys add ${defaultName()} ${identity.publicKey}`);
        }
        return { result: undefined };
      }
      const made = await addProjectKey(config, [
        { name: values.name ?? defaultName(), publicKey: identity.publicKey },
      ]);
      config.backend ??= "local";
      const afterWrite = () => rememberKeys(knownKeysPlace(settings, file), [made.publicKey]);
      return { write: config, result: made, afterWrite };
    });
    if (!key) {
      stdoutStream().write(`${identity.publicKey}\n`);
      return 0;
    }
    say(`created local key ${key.id} in ${file} (commit this file)`);
    say("encrypt:  s5 cipher (asks)         render:  s5 render FILE");
    say("for CI:   s5 keys generate  (keep the secret in CI), then  s5 keys add ci s5pk-…");
    stdoutStream().write(`${identity.publicKey}\n`);
    return 0;
  },
});

/** `--dir` must be a directory that exists: said before anything is created (the identity). */
function checkDirectory(dir: string): void {
  const file = join(dir, PROJECT_FILE);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (cause) {
    const code = errnoOf(cause);
    if (code === "ENOENT") {
      throw new IoError("S5_OUTPUT", `cannot create ${file}: the directory ${dir} does not exist`, {
        hint: `create it first (\`mkdir -p ${dir}\`), or give --dir a directory that exists`,
      });
    }
    throw new IoError("S5_OUTPUT", `cannot create ${file}: cannot look at ${dir} (${code})`, {
      cause,
      hint: readHint(code),
    });
  }
  if (!isDirectory) {
    throw new IoError("S5_OUTPUT", `cannot create ${file}: ${dir} is not a directory`, {
      hint: `--dir names the directory that will hold ${PROJECT_FILE} (--config names the file itself)`,
    });
  }
}

function defaultName(): string {
  let user = "me";
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers)
  }
  return `${user}@${hostname()}`;
}
