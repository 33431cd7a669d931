// renderSecret with core's AES backend (no server needed): values, base64 checks, and failures
// that name the key and never the value.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Backends,
  cipherValues,
  createBackends,
  ExitCode,
  findTokens,
  resolveSettings,
  resolveTokens,
  S5Error,
  type TokenFailure,
} from "@s5/core";
import { checkPlaces } from "@s5/core/internal";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import corePackage from "../package.json" with { type: "json" };
import { renderSecret } from "../src/render.ts";
import type { S5Secret } from "../src/resource.ts";

const settings = () =>
  resolveSettings({
    cwd: mkdtempSync(join(tmpdir(), "s5-k8s-")),
    env: { S5_AES_KEY: randomBytes(32).toString("hex") },
  });

const resource = (spec: S5Secret["spec"]): S5Secret => ({
  apiVersion: "s5.dev/v1alpha1",
  kind: "S5Secret",
  metadata: { name: "db", namespace: "billing", generation: 1 },
  spec,
});

describe("renderSecret", () => {
  const s = settings();
  const token = async (
    backends: ReturnType<typeof createBackends>,
    value: string | Buffer,
    filters: string[] = [],
  ) => (await cipherValues(backends, "aes", [Buffer.from(value)], { filters }))[0]!;

  it("decrypts data (| base64) and stringData exactly; stringData wins over data", async () => {
    await using backends = createBackends(s);
    const binary = Buffer.from([0, 0xff, 0x0a, 0x22]);
    const rendered = await renderSecret(
      resource({
        data: { bin: await token(backends, binary, ["base64"]), same: "ZGF0YQ==" },
        stringData: {
          text: await token(backends, 'a "quoted"\nvalue'),
          url: `x:${await token(backends, "p@ss")}@db`,
          same: "from stringData",
        },
      }),
      backends,
    );
    expect(rendered.ok).toBe(true);
    if (!rendered.ok) return;
    const get = (key: string) => Buffer.from(rendered.data[key]!, "base64");
    expect(get("bin").equals(binary)).toBe(true);
    expect(get("text").toString()).toBe('a "quoted"\nvalue');
    expect(get("url").toString()).toBe("x:p@ss@db");
    expect(get("same").toString()).toBe("from stringData");
  });

  it("fails as a whole, naming each key, never a value", async () => {
    await using backends = createBackends(s);
    const secretValue = "never-shown-9f3a";
    const good = await token(backends, secretValue);
    const rendered = await renderSecret(
      resource({
        data: { raw: good },
        stringData: { ok: good, broken: "{{ s5:aes:AAAA }}" },
        metadata: { labels: { leak: good } },
      }),
      backends,
    );
    expect(rendered.ok).toBe(false);
    if (rendered.ok) return;
    expect(rendered.error.describe()).toContain(
      "metadata.labels.leak:1:1: labels and annotations take no tokens",
    );
    // Metadata is checked first; with it fixed, the values speak.
    const again = await renderSecret(
      resource({ data: { raw: good }, stringData: { ok: good, broken: "{{ s5:aes:AAAA }}" } }),
      backends,
    );
    expect(again.ok).toBe(false);
    if (again.ok) return;
    const text = again.error.describe();
    expect(text).toContain(
      "data.raw:1:1: the value is not base64 after rendering (S5_K8S_DATA_BASE64)",
    );
    expect(text).toMatch(/stringData\.broken:1:1: .*\(S5_/);
    expect(text).not.toContain(secretValue);
    expect(again.transient).toBe(false);
    expect(["DecryptFailed", "InvalidToken", "InvalidSpec"]).toContain(again.reason);
  });

  it("a key named __proto__ is a key like any other (as in a Secret)", async () => {
    await using backends = createBackends(s);
    // Parsed, as the API's JSON is: a literal `__proto__: x` would set the prototype instead.
    const spec = JSON.parse(
      JSON.stringify({ a: await token(backends, "from stringData") }).replace('"a"', '"__proto__"'),
    ) as Record<string, string>;
    const rendered = await renderSecret(
      resource({ data: JSON.parse('{"__proto__":"ZGF0YQ=="}'), stringData: spec }),
      backends,
    );
    expect(rendered.ok).toBe(true);
    if (!rendered.ok) return;
    expect(Object.keys(rendered.data)).toEqual(["__proto__"]);
    expect(JSON.parse(JSON.stringify(rendered.data))).toEqual(
      JSON.parse(`{"__proto__":"${Buffer.from("from stringData").toString("base64")}"}`),
    );
  });

  it("a missing key is transient (it may be mounted later)", async () => {
    await using backends = createBackends(
      resolveSettings({ cwd: mkdtempSync(join(tmpdir(), "s5-k8s-")), env: {} }),
    );
    await using other = createBackends(s);
    const rendered = await renderSecret(
      resource({ stringData: { a: await token(other, "v") } }),
      backends,
    );
    expect(rendered.ok).toBe(false);
    if (rendered.ok) return;
    expect(rendered.reason).toBe("KeyMissing");
    expect(rendered.transient).toBe(true);
    // Fresh backends read the key file again: worth making at the retry.
    expect(rendered.backendWide).toBe(true);
  });

  it("a key missing or denied is that key's: no fresh backends; a server down is every key's", async () => {
    await using backends = createBackends(s);
    const a = await token(backends, "a");
    const b = await token(backends, "b");
    /** The AES backend, its decrypt failing with each error in turn, one per token. */
    const failing = (...errors: S5Error[]): Backends => ({
      goToolBackend: undefined,
      async get(name) {
        const backend = await backends.get(name);
        return { ...backend, decrypt: async () => errors.map((error) => ({ ok: false, error })) };
      },
      async [Symbol.asyncDispose]() {},
    });
    const missing = new S5Error("S5_KEY_VAULT_NOT_FOUND", ExitCode.key, "no key s5-shop");
    const denied = new S5Error("S5_VAULT_DENIED", ExitCode.denied, "permission denied");
    const down = new S5Error("S5_VAULT_SEALED", ExitCode.unavailable, "Vault is sealed");
    const cases: [S5Error[], boolean][] = [
      [[missing, missing], false],
      [[denied, denied], false],
      [[missing, denied], false],
      [[denied, down], true],
      [[down, down], true],
    ];
    for (const [errors, backendWide] of cases) {
      const what = errors.map((error) => error.code).join(", ");
      const rendered = await renderSecret(resource({ stringData: { a, b } }), failing(...errors));
      expect(rendered.ok, what).toBe(false);
      if (rendered.ok) continue;
      // Retried either way (the key may be created, the policy or Vault mended).
      expect(rendered.transient, what).toBe(true);
      expect(rendered.backendWide, what).toBe(backendWide);
    }
  });
});

describe("an S5Secret written for a newer s5", () => {
  it("a spec field this controller does not know writes no Secret, and says to upgrade", async () => {
    await using backends = createBackends(settings());
    const [value] = await cipherValues(backends, "aes", [Buffer.from("hunter2")]);
    const newer = resource({ stringData: { pw: value! } }) as S5Secret & {
      spec: Record<string, unknown>;
    };
    // A newer chart's CRD lets these through: ignored, the Secret could go to another name, or
    // keep labels that let others read it.
    newer.spec.secretName = "other";
    newer.spec.metadata = { labels: { a: "b" }, ownerTeam: "ops" } as Record<string, unknown>;
    const rendered = await renderSecret(newer, backends);
    expect(rendered.ok).toBe(false);
    if (rendered.ok) return;
    expect(rendered.reason).toBe("InvalidSpec");
    expect(rendered.transient).toBe(false);
    const text = rendered.error.describe();
    expect(text).toContain(
      "spec.secretName:1:1: `spec.secretName` is not a field this s5 controller knows",
    );
    expect(text).toContain("spec.metadata.ownerTeam:1:1:");
    expect(text).toContain(`upgrade the s5 controller (this is ${corePackage.version})`);
    expect(text).not.toContain("hunter2");
  });
});

// `s5 check` says before a cluster does which `spec.data` values the controller refuses: core's
// checkPlaces ("check") of the S5Secret's YAML and renderSecret of the same object must agree.
describe("a spec.data value that is not base64 once decrypted", () => {
  const s = settings();

  it("is refused by the controller exactly where s5 check reports it", async () => {
    await using backends = createBackends(s);
    const t = async (value: string, filters: string[] = []) =>
      (
        await cipherValues(backends, "aes", [Buffer.from(value)], { filters, allowEmpty: true })
      )[0]!;
    // What stands between the quotes, and whether the controller refuses it.
    const cases: [string, boolean][] = [
      [await t("hunter2!"), true],
      [await t("aGk="), false],
      [await t("hunter2!", ["base64"]), false],
      [`x${await t("aGk=")}`, true],
      [`aGk${await t("=")}`, false],
      [await t("a b"), true],
      [await t(""), false],
      [`aGk=${await t("\n")}`, true],
      [await t("aGk=\n"), true],
      [`${await t("aGk")}${await t("=")}`, false],
      [await t("\u00e9t\u00e9"), true],
    ];
    for (const [between, refused] of cases) {
      const text = `apiVersion: s5.dev/v1alpha1\nkind: S5Secret\nmetadata:\n  name: db\nspec:\n  data:\n    k: "${between}"\n`;
      const rendered = await renderSecret(
        resource({ data: { k: parse(text).spec.data.k } }),
        backends,
      );
      const controller = !rendered.ok && rendered.error.describe().includes("S5_K8S_DATA_BASE64");
      expect(controller, between).toBe(refused);
      const found = findTokens({ name: "s.yml", content: text });
      const failures: TokenFailure[] = [];
      const [values] = await resolveTokens([found], backends, { failures });
      checkPlaces(
        { name: "s.yml", content: text },
        found.tokens,
        values!,
        () => found.lines,
        failures,
        undefined,
        "check",
      );
      expect(
        failures.map((failure) => failure.error.code),
        between,
      ).toEqual(refused ? ["S5_K8S_DATA_BASE64"] : []);
      for (const failure of failures) {
        // At the value's first token.
        const column = 9 + between.indexOf("{{");
        expect(failure.location).toEqual({ file: "s.yml", line: 7, column });
        expect(failure.error.hint).toContain("| base64");
      }
    }
  });
});
