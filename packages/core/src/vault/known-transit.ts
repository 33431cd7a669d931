/**
 * The Vault transit mount and key this machine sealed new values with, per project — the record of
 * known keys (../local/known-keys.ts) for Vault. A pull request that makes `.s5.json` name another
 * key (`"transitKey": "mallory"`) or mount sends every value a teammate seals next to a key its
 * author may decrypt with; a Vault token does not name its key, so no reviewer sees it. Only what
 * `.s5.json` decides is judged (a flag or an environment variable is the user's own choice): a
 * project's first Vault seal on a machine records it and says so once; a later seal whose
 * `.s5.json` names another mount or key is refused until `s5 keys trust MOUNT/KEY`. Decrypting is
 * not judged: a wrong key only fails. VAULT_ADDR is not recorded: it comes from the environment.
 */
import { type Settings, vaultTransit, vaultTransitChosen } from "../config.ts";
import { KeyError } from "../errors.ts";
import { showable } from "../hidden.ts";
import {
  KNOWN_WRITE_HINT,
  type KnownKeysPlace,
  type KnownRecord,
  type KnownTransit,
  projectNames,
  readRecord,
  updateTransit,
} from "../local/known-keys-file.ts";
import { repositoryOf } from "../repository.ts";

const { dirname } = process.getBuiltinModule("node:path");

/** The transit mount and key of one seal, and which of them the user chose. */
export interface TransitUse {
  mount: string;
  key: string;
  chosen: { mount: boolean; key: boolean };
}

export function transitUseOf(settings: Settings): TransitUse {
  return { ...vaultTransit(settings), chosen: vaultTransitChosen(settings) };
}

/** `MOUNT/KEY`, as `s5 keys trust` takes it and Vault's paths read. */
const named = (transit: KnownTransit) => `${transit.mount}/${transit.key}`;

/**
 * Checks the transit mount and key a seal is about to use against the record (see the top of this
 * file) before anything is sent; records what `.s5.json` decided on a first use.
 */
export function checkKnownTransit(place: KnownKeysPlace, use: TransitUse): void {
  const judged = judgedParts(use);
  if (judged.mount === undefined && judged.key === undefined) return;
  const names = projectNames(place.project);
  const decide = (record: KnownRecord): KnownTransit | undefined => {
    const verdict = judge(record, names, judged);
    if (verdict.refusal) {
      const { entry, in: other } = verdict.refusal;
      throw untrusted(
        place,
        use,
        entry,
        other ? `it never sealed here, and sealed in ${showable(other)} with` : "it sealed with",
      );
    }
    return verdict.record;
  };
  if (!decide(readRecord(place.file))) return;
  let recorded = true;
  let added: KnownTransit | undefined;
  try {
    added = updateTransit(place, decide);
  } catch (error) {
    if ((error as KeyError).code !== "S5_KEY_KNOWN_WRITE") throw error;
    place.warn?.(
      `${(error as KeyError).message}: this machine cannot remember the Vault transit key it seals with, and will not notice if .s5.json names another (S5_KEY_KNOWN_WRITE; ${KNOWN_WRITE_HINT})`,
    );
    recorded = false;
  }
  // Trusted, as ssh trusts a new host, and said, as ssh says it (as local keys' first use is): also
  // a part a flag or variable chose until now, the first time .s5.json decides it.
  if (added && recorded) {
    place.warn?.(
      `Vault transit key ${use.key} (mount ${use.mount}) now seals in ${place.project}, trusted as this machine's first Vault seal there; if you expected another key (a change to .s5.json may have brought this one), check \`git log -p .s5.json\``,
    );
  }
}

/** The parts `.s5.json` (or its silence: the defaults) decides; a part chosen by a flag or variable is not judged. */
function judgedParts(use: TransitUse): KnownTransit {
  return {
    mount: use.chosen.mount ? undefined : use.mount,
    key: use.chosen.key ? undefined : use.key,
  };
}

/** What the record says of a seal with the `judged` parts in the project of `names`. */
interface Verdict {
  /** The project's own entry. */
  own?: KnownTransit | undefined;
  /** The entry that refuses the seal, and the other project it is under when not the project's own. */
  refusal?: { entry: KnownTransit; in?: string | undefined } | undefined;
  /** What a seal would add to the record: a first use, or a part recorded the first time `.s5.json` decides it. */
  record?: KnownTransit | undefined;
}

function judge(record: KnownRecord, names: readonly string[], judged: KnownTransit): Verdict {
  const differs = (entry: KnownTransit) =>
    (judged.mount !== undefined && entry.mount !== undefined && entry.mount !== judged.mount) ||
    (judged.key !== undefined && entry.key !== undefined && entry.key !== judged.key);
  const own = names.map((name) => record.vault?.[name]).find((entry) => entry !== undefined);
  if (own) {
    if (differs(own)) return { own, refusal: { entry: own } };
    // A part chosen by a flag or variable until now is recorded the first time .s5.json decides it.
    const missing: KnownTransit = {
      mount: own.mount === undefined ? judged.mount : undefined,
      key: own.key === undefined ? judged.key : undefined,
    };
    return {
      own,
      record: missing.mount !== undefined || missing.key !== undefined ? missing : undefined,
    };
  }
  // A project new to this machine beside one it sealed in with Vault, in the same git
  // repository (a `.s5.json` a change added, a worktree of a branch that changed the key): the
  // key that project sealed with is the one to expect.
  const near = sameRepository(record, names);
  if (near.length > 0 && near.every(([, entry]) => differs(entry))) {
    const [other, entry] = near[0]!;
    return { refusal: { entry, in: other } };
  }
  return { record: judged };
}

/** What this machine remembers of a project's Vault transit key, as `s5 keys list` shows it. */
export interface RememberedTransit {
  /** The mount and key remembered (a part a flag or variable chose is undefined). */
  mount?: string | undefined;
  key?: string | undefined;
  /** The project (`.s5.json`) it is remembered for: this one, or one in the same git repository. */
  project: string;
  /** `MOUNT/KEY` a seal would use now, when the record refuses it (S5_KEY_VAULT_UNTRUSTED). */
  refused?: string | undefined;
}

/**
 * The project's remembered transit key, or the one a seal here is judged by (another project of
 * the same repository); undefined when this machine never sealed with Vault there. Reads, writes
 * nothing.
 */
export function rememberedTransit(
  place: KnownKeysPlace,
  use: TransitUse,
): RememberedTransit | undefined {
  const names = projectNames(place.project);
  const record = readRecord(place.file);
  const verdict = judge(record, names, judgedParts(use));
  const refused = verdict.refusal ? named(use) : undefined;
  if (verdict.own) return { ...verdict.own, project: place.project, refused };
  if (verdict.refusal?.in)
    return { ...verdict.refusal.entry, project: verdict.refusal.in, refused };
  return undefined;
}

/**
 * `s5 keys trust MOUNT/KEY`: this machine seals with that transit mount and key in the project
 * from now on. It must be the one a seal would use now (a flag or variable counts), so that what
 * is trusted is what was checked.
 */
export function trustTransit(place: KnownKeysPlace, use: TransitUse, given: string): KnownTransit {
  if (given !== named(use)) {
    const shown = /^[A-Za-z0-9_.\-/]{1,200}$/.test(given) ? given : "(not shown)";
    throw new KeyError(
      "S5_KEY_VAULT_UNTRUSTED",
      `Vault transit key ${named(use)} seals in ${place.project}, not ${shown}; nothing was trusted`,
      { hint: `trust the mount and key that seal: s5 keys trust ${named(use)}` },
    );
  }
  const trusted = { mount: use.mount, key: use.key };
  updateTransit(place, () => trusted);
  return trusted;
}

/** Vault entries of other projects in the same git repository as this one. */
function sameRepository(record: KnownRecord, names: readonly string[]): [string, KnownTransit][] {
  const mine = new Set(names.map((name) => repositoryOf(dirname(name))));
  mine.delete(undefined);
  if (mine.size === 0) return [];
  return Object.entries(record.vault ?? {}).filter(
    ([known]) => !names.includes(known) && mine.has(repositoryOf(dirname(known))),
  );
}

function untrusted(
  place: KnownKeysPlace,
  use: TransitUse,
  known: KnownTransit,
  how: string,
): KeyError {
  // The record's text: a hand-edited one may hold anything, terminal escapes too.
  const before = showable(`${known.mount ?? use.mount}/${known.key ?? use.key}`);
  return new KeyError(
    "S5_KEY_VAULT_UNTRUSTED",
    `${place.project} names Vault transit key ${named(use)}, and this machine does not trust it there (${how} ${before}): whoever may decrypt with it could read every new secret`,
    {
      hint:
        "check `git log -p .s5.json` and ask who changed it — not through the change itself; only " +
        `if ${named(use)} is meant, run \`s5 keys trust ${named(use)}\` (or pass the key you mean: ` +
        "--transit-key/--transit-mount, S5_VAULT_TRANSIT_KEY/S5_VAULT_TRANSIT_MOUNT)",
    },
  );
}
