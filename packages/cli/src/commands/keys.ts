import { KeyError, resolveSettings, type Settings, toS5Error } from "@s5/core";
import {
  addProjectRecipient,
  checkProjectKeys,
  endorseProjectKeys,
  generateIdentity,
  idArgument,
  knownKeysPlace,
  loadSecretKeys,
  publicKeysOf,
  type RememberedTransit,
  rememberedTransit,
  rememberKeys,
  removeProjectRecipient,
  rotateProjectKey,
  showable,
  showableJson,
  transitUseOf,
  trustProjectKeys,
  trustTransit,
} from "@s5/core/internal";
import { shownName } from "../args.ts";
import type { Context } from "../context.ts";
import { defineCommand } from "../define.ts";
import { backendOptions, commonOptions, jsonOption } from "../options.ts";
import { SHARED_FIX_STDOUT, warnSharedDescriptor } from "../output-checks.ts";
import { updateProject } from "../project.ts";
import { stdoutStream } from "../stdout.ts";

/** The actions of `s5 keys`. */
const KEYS_ACTIONS = [
  "show",
  "list",
  "generate",
  "add",
  "remove",
  "rotate",
  "endorse",
  "trust",
] as const;

function requireProject(settings: Settings) {
  if (!settings.project) {
    throw new KeyError("S5_KEY_LOCAL_NONE", "no .s5.json found here or in a parent directory", {
      hint: "run `s5 init` in the project's root directory",
    });
  }
  return settings.project;
}

export default defineCommand({
  name: "keys",
  summary: "manage local-key recipients",
  description: `  show                  print your public key(s) (share them to become a recipient)
  list                  list the project's local keys and their recipients, then the Vault
                        transit key this machine remembers sealing with there (known-keys.json;
                        not a project key), and whether .s5.json now names another
  generate              print a new identity for CI: the secret key on stdout (store it as the CI
                        secret S5_PRIVATE_KEY), its public key on stderr
  add NAME PUBLIC_KEY   let NAME decrypt: seals every project key to PUBLIC_KEY (s5pk-…);
                        needs your own access; no token changes. A name may hold several
                        keys (one per machine): a new key is added, and the others are named
  remove NAME|KEY       remove a recipient: every key of NAME, or one public key (s5pk-…);
                        then rotate, since they may have kept the key
  rotate                add a new project key for the current recipients; new tokens use it,
                        old tokens still decrypt; needs your own access, and refuses a
                        recipient that no key holder added (an edit of .s5.json)
  endorse ID…           confirm keys made by a rotation before endorsements existed, by id
                        (check \`git log -p .s5.json\` first): you must hold the key before each
                        one, and a key with a recipient the key before it lacks is refused
  trust [ID]            after a change of keys that s5 refused (S5_KEY_LOCAL_UNTRUSTED) and you
                        checked with its author: encrypt to the key that encrypts now (ID, if
                        given, must be its id). Each machine encrypts only to the key it last
                        trusted in a project, or to a rotation from it that your key can check
  trust MOUNT/KEY       after a Vault transit key or mount named by .s5.json that s5 refused
                        (S5_KEY_VAULT_UNTRUSTED) and you checked: seal with it in this project`,
  positionals: [
    { name: "ACTION", complete: KEYS_ACTIONS },
    { name: "ARGUMENT", optional: true, multiple: true },
  ],
  options: {
    ...commonOptions,
    "private-key-file": {
      ...backendOptions["private-key-file"],
      description: "your secret key(s) (also S5_PRIVATE_KEY)",
    },
    ...jsonOption,
  },
  examples: ["s5 keys add ci s5pk-…", "s5 keys list --json"],
  async run({ values, positionals, backendWord }, context: Context) {
    const [action, ...rest] = positionals;
    if (values.help || action === undefined) return context.help();
    // Arguments a command does not take are refused, not shown: one may be a secret.
    if ((backendWord ?? values.backend ?? "local") !== "local") {
      context.usage("keys manages local keys only: it takes no other backend");
    }
    const noArguments = () => {
      if (rest.length > 0) context.usage(`keys ${action} takes no arguments`);
    };
    const settings = resolveSettings({
      overrides: { configFile: values.config, privateKeyFile: values["private-key-file"] },
    });
    const out = (line: string) => stdoutStream().write(`${line}\n`);
    const say = (line: string) => process.stderr.write(`${line}\n`);

    switch (action) {
      case "show": {
        noArguments();
        const keys = await publicKeysOf(loadSecretKeys(settings));
        if (keys.length === 0) {
          throw new KeyError("S5_KEY_LOCAL_NONE", "you have no s5 identity yet", {
            hint: "run `s5 init`",
          });
        }
        for (const key of keys) out(key);
        return 0;
      }
      case "generate": {
        noArguments();
        const identity = await generateIdentity();
        // `s5 keys generate > ci.key` under umask 022: a key others here may read, which s5 init
        // never writes (the same warning as for a plaintext).
        warnSharedDescriptor(1, "stdout", SHARED_FIX_STDOUT, "the secret key");
        out(identity.secretKey);
        say(`# public key: ${identity.publicKey}`);
        say("# store the secret as S5_PRIVATE_KEY in CI, then: s5 keys add ci <public key>");
        return 0;
      }
      case "list": {
        noArguments();
        const project = requireProject(settings);
        const keys = project.config.local?.keys ?? [];
        // Not a project key: what this machine remembers sealing with there (known-keys.json), so
        // that whoever meets S5_KEY_VAULT_UNTRUSTED sees what is trusted and what is refused.
        const vault = rememberedOrSaid(settings, project.file, say);
        if (values.json) {
          const items: object[] = keys.map((key, i) => ({
            kind: "local",
            id: key.id,
            publicKey: key.publicKey,
            encrypts: i === keys.length - 1,
            created: key.created ?? null,
            recipients: key.recipients.map(({ name, publicKey }) => ({ name, publicKey })),
          }));
          if (vault) items.push(vaultItem(vault));
          out(showableJson(items, 2));
          return 0;
        }
        // With a key at hand, each recipient's proof is checked: an entry added by editing
        // .s5.json (not by `s5 keys add`) is marked. Names are printed with control, bidirectional
        // and invisible characters escaped, so a name cannot rewrite or reorder the lines on a terminal.
        const checks = await checkProjectKeys(project.config, loadSecretKeys(settings));
        keys.forEach((key, i) => {
          const role = i === keys.length - 1 ? "encrypts" : "decrypts only";
          const checked = checks.get(key.id)?.proven;
          const note = checked ? "" : ", recipients not checked: you hold no key to it";
          const made = checks.get(key.id)?.tampered
            ? "  TAMPERED: you are listed, and the key sealed to you does not open"
            : checks.get(key.id)?.unendorsed
              ? "  UNENDORSED: not made by a holder of the key before it"
              : "";
          out(
            `${key.id}  ${key.publicKey}  (${role}${key.created ? `, created ${key.created}` : ""}${note})${made}`,
          );
          for (const r of key.recipients) {
            const mark =
              checked && !checked.has(r.publicKey) ? "  UNPROVEN: not added by a key holder" : "";
            out(`  ${showable(r.name)}  ${r.publicKey}${mark}`);
          }
        });
        if (vault) for (const line of vaultLines(vault, project.file)) out(line);
        return 0;
      }
      case "add": {
        const [name, publicKey] = rest;
        if (!name || !publicKey || rest.length > 2)
          context.usage("usage: s5 keys add NAME PUBLIC_KEY");
        const project = requireProject(settings);
        const added = await updateProject(project.file, async (read) => {
          const config = read ?? project.config;
          const result = await addProjectRecipient(config, loadSecretKeys(settings), {
            name,
            publicKey,
          });
          return { write: config, result };
        });
        const others = added.sameName;
        // Names reach messages escaped, as `keys list` shows them (see showable).
        const shown = showable(name);
        say(`${shown} can now decrypt every local-key token of ${project.file} (commit it)`);
        // Added, not replaced: two machines of one person are legitimate. But a new key for a
        // lost one leaves the lost key decrypting every token, and nobody would know.
        if (others.length > 0) {
          const one = others.length === 1;
          say(
            `s5: note: ${shown} now has ${others.length + 1} keys: ${added.publicKey} (added) and ${others.join(", ")}, which still decrypt${one ? "s" : ""} every token`,
          );
          say(
            one
              ? `  if it is a lost machine's key: s5 keys remove ${others[0]} && s5 keys rotate, then re-encrypt the values that matter`
              : "  for each that is a lost machine's key: s5 keys remove s5pk-… (that key), then s5 keys rotate and re-encrypt the values that matter",
          );
        }
        return 0;
      }
      case "remove": {
        const [name] = rest;
        if (!name || rest.length > 1) context.usage("usage: s5 keys remove NAME|PUBLIC_KEY");
        const project = requireProject(settings);
        const removed = await updateProject(project.file, async (read) => {
          const config = read ?? project.config;
          const result = removeProjectRecipient(config, name);
          if (result.length === 0) {
            const names = (config.local?.keys ?? []).flatMap((key) =>
              key.recipients.map((r) => r.name),
            );
            throw new KeyError("S5_KEY_LOCAL_RECIPIENT", `no recipient ${shownName(name, names)}`, {
              hint: "`s5 keys list` shows the recipients",
            });
          }
          return { write: config, result };
        });
        // A name may stand for several keys (two machines): say which went.
        const which = removed.map((r) => r.publicKey).join(", ");
        const what =
          removed.length === 1
            ? `${showable(removed[0]!.name)} (${which})`
            : `${removed.length} recipients named ${showable(removed[0]!.name)} (${which})`;
        say(
          `removed ${what}; they may have kept the project key: run \`s5 keys rotate\` and re-encrypt`,
        );
        return 0;
      }
      case "rotate": {
        noArguments();
        const project = requireProject(settings);
        // Needs your own access: the new key goes only to recipients a key holder added.
        const known = knownKeysPlace(settings, project.file);
        // Recorded under the project's lock, once written: a rotation recorded after a concurrent
        // one would move this machine back to the older key.
        let recorded: unknown;
        const { key, previous } = await updateProject(project.file, async (read) => {
          const config = read ?? project.config;
          const rotated = await rotateProjectKey(config, loadSecretKeys(settings), known);
          const afterWrite = () => {
            try {
              rememberKeys(known, [rotated.key.publicKey]);
            } catch (error) {
              recorded = error;
            }
          };
          return { write: config, result: rotated, afterWrite };
        });
        if (recorded !== undefined) {
          const error = recorded;
          // The rotation is done: running it again would rotate again.
          const failure = toS5Error(error);
          throw new KeyError(
            "S5_KEY_KNOWN_WRITE",
            `local key ${key.id} now encrypts in ${project.file}, but this machine could not record it: ${failure.message}`,
            {
              hint: `do not rotate again; once the record can be written, run \`s5 keys trust ${idArgument(key.id)}\``,
            },
          );
        }
        say(`local key ${key.id} now encrypts; tokens of ${previous.id} still decrypt`);
        return 0;
      }
      case "endorse": {
        if (rest.length === 0) context.usage("usage: s5 keys endorse ID… (see `s5 keys list`)");
        const project = requireProject(settings);
        const endorsed = await updateProject(project.file, async (read) => {
          const config = read ?? project.config;
          const result = await endorseProjectKeys(config, loadSecretKeys(settings), rest);
          return { write: result.length > 0 ? config : undefined, result };
        });
        if (endorsed.length === 0) {
          say("nothing to endorse: the keys named are endorsed already");
          return 0;
        }
        for (const key of endorsed) {
          say(
            `endorsed local key ${key.id} (${key.publicKey}; recipients: ${key.recipients.map((r) => showable(r.name)).join(", ")}) in ${project.file} (commit it)`,
          );
        }
        return 0;
      }
      case "trust": {
        if (rest.length > 1) context.usage("usage: s5 keys trust [ID | MOUNT/KEY]");
        const project = requireProject(settings);
        // A Vault transit mount and key (a local key's id never holds `/`).
        if (rest[0]?.includes("/")) {
          const trusted = trustTransit(
            knownKeysPlace(settings, project.file),
            transitUseOf(settings),
            rest[0],
          );
          say(
            `this machine now seals with Vault transit key ${trusted.key} (mount ${trusted.mount}) in ${project.file}`,
          );
          return 0;
        }
        const key = await trustProjectKeys(
          project.config,
          knownKeysPlace(settings, project.file),
          rest[0],
        );
        say(
          `this machine now encrypts to local key ${key.id} (${key.publicKey}) in ${project.file}`,
        );
        return 0;
      }
      default:
        return context.usage(`unknown keys action ${shownName(action, KEYS_ACTIONS)}`);
    }
  },
});

/**
 * The remembered transit key for `keys list`; a record it cannot read (garbage, a newer s5's) is
 * said and left out: the project's own keys are listed whatever the record holds.
 */
function rememberedOrSaid(
  settings: Settings,
  project: string,
  say: (line: string) => void,
): RememberedTransit | undefined {
  try {
    return rememberedTransit(knownKeysPlace(settings, project), transitUseOf(settings));
  } catch (error) {
    if (!(error instanceof KeyError) || !error.code.startsWith("S5_KEY_KNOWN_")) throw error;
    say(
      `s5: warning: the Vault transit key this machine remembers is not shown: ${error.message} (${error.code})${error.hint ? `\n  hint: ${error.hint}` : ""}`,
    );
    return undefined;
  }
}

/**
 * `keys list --json`'s item for the remembered transit key: the local items' members (null, empty,
 * false), so that `.[].recipients[]` or `select(.encrypts)` over the list still read.
 */
function vaultItem(vault: RememberedTransit) {
  return {
    kind: "vault",
    id: null,
    publicKey: null,
    encrypts: false,
    created: null,
    recipients: [],
    mount: vault.mount ?? null,
    key: vault.key ?? null,
    rememberedFor: vault.project,
    refused: vault.refused ?? null,
  };
}

/** `keys list`'s lines for the remembered transit key (the record's text, escaped as names are). */
function vaultLines(vault: RememberedTransit, project: string): string[] {
  const where =
    vault.project === project ? "this project" : `${showable(vault.project)} (same git repository)`;
  // A part a flag or variable chose is not recorded; an entry with neither part s5 never writes
  // (a seal with both chosen records nothing): the next seal records what .s5.json names.
  if (vault.key === undefined && vault.mount === undefined) {
    return [
      `vault  no Vault transit key or mount (the entry this machine keeps for ${where} in known-keys.json is empty, which s5 does not write: edited by hand?); the next Vault seal there records what .s5.json names`,
    ];
  }
  const chosen = "(chosen by a flag or variable)";
  const key = `Vault transit key ${vault.key === undefined ? chosen : showable(vault.key)} (mount ${vault.mount === undefined ? chosen : showable(vault.mount)})`;
  const lines = [
    `vault  ${key}  (remembered on this machine for ${where}: not a project key, not in .s5.json)`,
  ];
  if (vault.refused) {
    lines.push(
      `  .s5.json now names ${showable(vault.refused)}: seals here are refused (S5_KEY_VAULT_UNTRUSTED); check \`git log -p .s5.json\`, then \`s5 keys trust ${showable(vault.refused)}\` if it is meant`,
    );
  }
  return lines;
}
