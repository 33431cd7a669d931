/**
 * The project keys this machine has encrypted to, per project (like ssh's known_hosts). A pull
 * request that replaces a project's whole key list with keys its author made (sealed to every
 * recipient, so that everything still decrypts) would receive every new secret; no endorsement
 * can catch it, since no old key is left to check against.
 *
 * Each project's entry lists, in order, the keys this machine has trusted there; the last is the
 * one it encrypts to. Encrypting goes on with that key, or with a key after it in the project's
 * list that it endorses link by link (a rotation, checked by opening each key on the way). An
 * older key of the entry (a list put back from before a rotation: the retired key of a removed
 * teammate) and anything else are refused until `s5 keys trust`, which makes the key that
 * encrypts now the last. A first use records that key only; it is no first use when entries list
 * one of the project's keys (another clone, a worktree: each of them must agree), nor when this
 * machine knows another project of the same git repository (a `.s5.json` a change added, a
 * worktree or a submodule of a branch that replaced every key).
 * The record itself: known-keys-file.ts.
 */
import { ConfigError, KeyError } from "../errors.ts";
import { repositoryOf } from "../repository.ts";
import { idArgument } from "./encoding.ts";
import type { ProjectKey } from "./keyring.ts";
import {
  type KnownKeysPlace,
  type KnownRecord,
  projectNames,
  readRecord,
  rememberWhileEncrypting,
  updateRecord,
} from "./known-keys-file.ts";

export { type KnownKeysPlace, rememberKeys } from "./known-keys-file.ts";

const { dirname } = process.getBuiltinModule("node:path");

/**
 * Checks the key that encrypts against the record (see the top of this file). `endorsed(from, to)`
 * tells whether every key after index `from` up to `to` is endorsed by the one before it, checked
 * by opening each (keyring.ts `endorsedChain`). Keys that pass are added to the record.
 */
export function checkKnownKey(
  place: KnownKeysPlace,
  keys: readonly ProjectKey[],
  endorsed: (from: number, to: number) => boolean,
): void {
  const encrypting = keys.at(-1);
  if (!encrypting) return;
  const names = projectNames(place.project);
  // What an entry says of the key that encrypts: nothing to add (its last key), keys to add (a
  // rotation from its last key, checked), or a refusal.
  const judge = (
    entry: readonly string[],
    last = "the key this machine last encrypted to here",
  ): string[] | undefined => {
    const head = entry.at(-1)!;
    if (encrypting.publicKey === head) return undefined;
    const headId = keys.find((key) => key.publicKey === head)?.id;
    if (entry.includes(encrypting.publicKey)) {
      throw untrusted(
        place,
        encrypting,
        `it is older than ${last}${headId ? `, ${headId}` : ""}: a key list from before a rotation`,
        {
          // Read before a rotation that ran at the same time, or a list put back on purpose?
          hint:
            "if .s5.json changed just now (a `git pull`, a `keys rotate` run at the same time), " +
            "run the command again; otherwise the list was put back from before a rotation, and " +
            "the retired key may be held by someone removed: check `git log -p .s5.json` before " +
            `you run \`s5 keys trust ${idArgument(encrypting.id)}\``,
        },
      );
    }
    const from = keys.findIndex((key) => key.publicKey === head);
    if (from >= 0 && endorsed(from, keys.length - 1)) {
      return [head, ...keys.slice(from + 1).map((key) => key.publicKey)];
    }
    throw untrusted(
      place,
      encrypting,
      from < 0
        ? `${last} is no longer listed`
        : `${last} is ${headId}, and this machine cannot check that it endorses ${encrypting.id}`,
    );
  };
  if (place.pinned) {
    if (!/^s5pk-[A-Za-z0-9_-]{43}$/.test(place.pinned)) {
      // Not shown: a secret key set in the wrong variable must not be printed.
      throw new ConfigError(
        "S5_CONFIG_VALUE",
        "S5_TRUSTED_KEY is not a project public key (s5pk-…); its value is not shown",
        {
          hint: "set it to the public key of the project key CI may encrypt to (`s5 keys list` shows it: s5pk-…)",
        },
      );
    }
    if (!keys.some((key) => key.publicKey === place.pinned)) {
      throw untrusted(place, encrypting, "S5_TRUSTED_KEY is none of the project's keys", {
        hint:
          "S5_TRUSTED_KEY may be another project's key, or this change replaced every key: check " +
          "`git log -p .s5.json`; only if the key that encrypts is right (ask its author, not " +
          `through the change), set S5_TRUSTED_KEY to ${encrypting.publicKey}`,
      });
    }
    judge([place.pinned], "S5_TRUSTED_KEY");
  }
  // What the record says: keys to add, nothing (undefined), or a refusal. Asked again once the
  // record's lock is held: another s5 (a `keys rotate`) may have moved it on since it was read.
  let moved = false;
  const decide = (record: KnownRecord): string[] | undefined => {
    const own = names.map((name) => record.projects[name]).find((entry) => entry?.length);
    moved = own !== undefined;
    if (own) return judge(own);
    // Not known here: the same project elsewhere (another clone, a worktree) when entries list
    // one of its keys — every one of them must agree, a stale one too.
    const listed = new Set(keys.map((key) => key.publicKey));
    const others = Object.values(record.projects).filter((entry) =>
      entry.some((key) => listed.has(key)),
    );
    if (others.length === 0) {
      const near = sameRepository(record, names);
      if (near) {
        throw untrusted(
          place,
          encrypting,
          `this machine has never encrypted in this project, and knows the project of ${near} in the same git repository`,
        );
      }
    }
    for (const entry of others) judge(entry);
    return [encrypting.publicKey];
  };
  const unlocked = decide(readRecord(place.file));
  if (!unlocked) return;
  const { added, recorded } = rememberWhileEncrypting(place, decide, unlocked);
  if (added && moved) movedOn(place, encrypting.id, "");
  // A first use is trusted, as ssh trusts a new host, and said, as ssh says it: a pull request
  // that switched a Vault project to local keys of its author's is a first use on every machine
  // that only used Vault there. A record that cannot be written has said so already, each time.
  else if (added && recorded && !place.pinned) firstUse(place, encrypting);
}

/**
 * After decrypting: when tokens of a key newer in the project's list than the one this machine
 * encrypts to there opened, and every link from that key to it is endorsed (checked by opening
 * each), the machine moves on to it, saying so once. A teammate's rotation is then learnt from
 * its tokens — before a removed teammate who kept the old key could fork a rotation of their own
 * from it. Never refuses anything, never a first use; a record it cannot read or write is left.
 */
export function learnKnownKey(
  place: KnownKeysPlace,
  keys: readonly ProjectKey[],
  used: ReadonlySet<string>,
  endorsed: (from: number, to: number) => boolean,
): void {
  if (!place.learn || used.size === 0) return;
  // Decided again once the record's lock is held, as in checkKnownKey.
  let to = -1;
  const decide = (record: KnownRecord): string[] | undefined => {
    const own = projectNames(place.project)
      .map((name) => record.projects[name])
      .find((entry) => entry?.length);
    if (!own) return undefined;
    const head = own.at(-1)!;
    const from = keys.findIndex((key) => key.publicKey === head);
    if (from < 0) return undefined;
    to = -1;
    keys.forEach((key, i) => {
      if (i > from && used.has(key.id)) to = i;
    });
    if (to < 0 || !endorsed(from, to)) return undefined;
    return [head, ...keys.slice(from + 1, to + 1).map((key) => key.publicKey)];
  };
  try {
    if (!decide(readRecord(place.file))) return;
    if (updateRecord(place, decide)) movedOn(place, keys[to]!.id, " (learnt from its tokens)");
  } catch {
    // the record only makes encrypting safer; decrypting goes on without it
  }
}

/** A project this machine knows in the same git repository as this one (see {@link repositoryOf}). */
function sameRepository(record: KnownRecord, names: readonly string[]): string | undefined {
  const mine = new Set(names.map((name) => repositoryOf(dirname(name))));
  mine.delete(undefined);
  if (mine.size === 0) return undefined;
  return Object.keys(record.projects).find((known) => mine.has(repositoryOf(dirname(known))));
}

/**
 * Said once, when a machine moves on to a new key: a fork from a key a removed teammate kept would
 * look the same to a machine that never saw the real rotation.
 */
function movedOn(place: KnownKeysPlace, id: string, how: string): void {
  place.warn?.(
    `local key ${id} now encrypts in ${place.project}${how}: a rotation from the key this machine used there, checked; if nobody on your team rotated, stop and check \`git log -p .s5.json\``,
  );
}

function firstUse(place: KnownKeysPlace, key: ProjectKey): void {
  place.warn?.(
    `local key ${key.id} now encrypts in ${place.project}, trusted as this machine's first use of local keys there (public key ${key.publicKey}); if you expected another key or backend (a change to .s5.json may have brought this one), check \`git log -p .s5.json\``,
  );
}

function untrusted(
  place: KnownKeysPlace,
  key: ProjectKey,
  why: string,
  options: { hint?: string } = {},
): KeyError {
  return new KeyError(
    "S5_KEY_LOCAL_UNTRUSTED",
    `local key ${key.id} encrypts in ${place.project}, and this machine does not trust it there (${why}): whoever holds it could read every new secret`,
    {
      hint:
        options.hint ??
        "check `git log -p .s5.json`, and ask the person who made that key — not through the " +
          `change itself — for its public key; only if it is ${key.publicKey}, run ` +
          `\`s5 keys trust ${idArgument(key.id)}\``,
    },
  );
}
