import { describe, expect, it } from "vitest";
import type { ProjectConfig } from "../src/config.ts";
import { createLocalBackend } from "../src/local/backend.ts";
import { decodeSecretKey } from "../src/local/encoding.ts";
import {
  addProjectKey,
  addProjectRecipient,
  generateIdentity,
  removeProjectRecipient,
  rotateProjectKey,
} from "../src/local/manage.ts";
import { formatBody, formatToken, parseBody } from "../src/token.ts";

async function project() {
  const alice = await generateIdentity();
  const config: ProjectConfig = {};
  await addProjectKey(config, [{ name: "alice", publicKey: alice.publicKey }]);
  return { alice, config };
}

describe("local keys", () => {
  it("encrypts with the public key only and decrypts with a recipient's secret key", async () => {
    const { alice, config } = await project();
    const writer = createLocalBackend({ keys: config.local!.keys, secretKeys: [] });
    const [body] = await writer.encrypt([Buffer.from("abcdefghijklmnopqrstuvwx")]);
    expect(formatBody(body!)).toMatch(/^local:[A-Za-z0-9_-]{8}:[A-Za-z0-9_-]+$/);
    expect(formatToken(body!).length).toBeLessThan(130);

    const [denied] = await writer.decrypt([body!]);
    expect(denied?.ok === false && denied.error.code).toBe("S5_KEY_LOCAL_NONE");

    const reader = createLocalBackend({
      keys: config.local!.keys,
      secretKeys: [decodeSecretKey(alice.secretKey)],
    });
    const [result] = await reader.decrypt([body!]);
    expect(result?.ok && Buffer.from(result.value).toString()).toBe("abcdefghijklmnopqrstuvwx");
  });

  it("adds recipients without changing tokens, and a stranger cannot decrypt", async () => {
    const { alice, config } = await project();
    const ci = await generateIdentity();
    const stranger = await generateIdentity();
    const [body] = await createLocalBackend({ keys: config.local!.keys, secretKeys: [] }).encrypt([
      Buffer.from("x"),
    ]);

    const strangerView = createLocalBackend({
      keys: config.local!.keys,
      secretKeys: [decodeSecretKey(stranger.secretKey)],
    });
    const [refused] = await strangerView.decrypt([body!]);
    expect(refused?.ok === false && refused.error.code).toBe("S5_KEY_LOCAL_NOT_RECIPIENT");
    expect(refused?.ok === false && refused.error.hint).toContain(stranger.publicKey);

    await addProjectRecipient(config, [decodeSecretKey(alice.secretKey)], {
      name: "ci",
      publicKey: ci.publicKey,
    });
    const ciView = createLocalBackend({
      keys: config.local!.keys,
      secretKeys: [decodeSecretKey(ci.secretKey)],
    });
    const [opened] = await ciView.decrypt([body!]);
    expect(opened?.ok && Buffer.from(opened.value).toString()).toBe("x");

    expect(removeProjectRecipient(config, "ci")).toEqual([{ name: "ci", publicKey: ci.publicKey }]);
    expect(config.local!.keys[0]!.recipients.map((r) => r.name)).toEqual(["alice"]);
  });

  it("a recipient name a program put in the config reaches messages escaped", async () => {
    // The CLI refuses such a name in .s5.json (its schema); a program that builds the config
    // itself does not go through that check, and the name must still not drive the terminal.
    const { config } = await project();
    const name = "\u001b[1A\u001b[2K\ralice\u202e";
    config.local!.keys[0]!.recipients[0]!.name = name;
    let message = "";
    try {
      removeProjectRecipient(config, name);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("\\u001b[1A\\u001b[2K\\u000dalice\\u202e is the last recipient");
    expect(message).not.toMatch(/[\u001b\r\u202e]/);
  });

  it("keeps old keys for decryption after a rotation", async () => {
    const { alice, config } = await project();
    const [oldBody] = await createLocalBackend({
      keys: config.local!.keys,
      secretKeys: [],
    }).encrypt([Buffer.from("old")]);
    // A rotation by a key holder (its new key endorsed by the old one).
    await rotateProjectKey(config, [decodeSecretKey(alice.secretKey)]);
    const backend = createLocalBackend({
      keys: config.local!.keys,
      secretKeys: [decodeSecretKey(alice.secretKey)],
    });
    const [newBody] = await backend.encrypt([Buffer.from("new")]);
    expect(newBody?.key).toBe(config.local!.keys[1]!.id);
    const results = await backend.decrypt([oldBody!, newBody!]);
    expect(results.map((r) => r.ok && Buffer.from(r.value).toString())).toEqual(["old", "new"]);
  });

  it("reports a tampered token per item", async () => {
    const { alice, config } = await project();
    const backend = createLocalBackend({
      keys: config.local!.keys,
      secretKeys: [decodeSecretKey(alice.secretKey)],
    });
    const [body] = await backend.encrypt([Buffer.from("value")]);
    const text = formatBody(body!);
    const at = text.lastIndexOf(":") + 20;
    const tampered = parseBody(
      `${text.slice(0, at)}${text[at] === "A" ? "B" : "A"}${text.slice(at + 1)}`,
    );
    const [bad, good] = await backend.decrypt([tampered, body!]);
    expect(bad?.ok === false && bad.error.code).toBe("S5_DECRYPT_LOCAL");
    expect(good?.ok).toBe(true);
  });
});
