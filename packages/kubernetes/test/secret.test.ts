// writeSecret against a recording fake of the Secret endpoints: a leader that loses its Lease
// between reading the Secret and writing it writes nothing (a new leader may have written a newer
// Secret meanwhile), and once it has deleted a Secret to replace it, it always finishes.
// The finalizer rules are tested against a real API server in test/k8s/controller-replace.test.ts.
import { describe, expect, it } from "vitest";
import type { S5Secret, SecretObject } from "../src/resource.ts";
import { NotLeadingError, writeSecret } from "../src/secret.ts";
import type { SecretsApi } from "../src/secret-api.ts";

const resource = (spec: S5Secret["spec"]): S5Secret => ({
  apiVersion: "s5.dev/v1alpha1",
  kind: "S5Secret",
  metadata: { name: "db", namespace: "app", uid: "uid-1", generation: 2 },
  spec,
});

const existing = (type: string, data: Record<string, string>): SecretObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: {
    name: "db",
    namespace: "app",
    uid: "secret-1",
    resourceVersion: "7",
    labels: { "s5.dev/managed-by": "s5-controller" },
    annotations: {},
    ownerReferences: [
      {
        apiVersion: "s5.dev/v1alpha1",
        kind: "S5Secret",
        name: "db",
        uid: "uid-1",
        controller: true,
      },
    ],
  },
  type,
  data,
});

/** A fake whose read runs `onRead` (the Lease lost meanwhile), recording every call. */
function fake(current: SecretObject | undefined, onRead: () => void = () => {}) {
  const calls: string[] = [];
  const api: SecretsApi = {
    async read() {
      calls.push("read");
      onRead();
      return current;
    },
    async create(_namespace, _secret, dryRun) {
      calls.push(dryRun ? "create(dryRun)" : "create");
      return _secret;
    },
    async replace(_namespace, _name, secret) {
      calls.push("replace");
      return secret;
    },
    async delete() {
      calls.push("delete");
      return "deleted";
    },
  };
  return { api, calls };
}

describe("writeSecret and the Lease", () => {
  const data = { v: Buffer.from("new").toString("base64") };

  it("lost while reading, before an update: nothing written", async () => {
    let leading = true;
    const { api, calls } = fake(existing("Opaque", { v: "b2xk" }), () => {
      leading = false;
    });
    await expect(writeSecret(api, resource({}), data, () => leading)).rejects.toBeInstanceOf(
      NotLeadingError,
    );
    expect(calls).toEqual(["read"]);
  });

  it("lost while reading, before a create: nothing written", async () => {
    let leading = true;
    const { api, calls } = fake(undefined, () => {
      leading = false;
    });
    await expect(writeSecret(api, resource({}), data, () => leading)).rejects.toBeInstanceOf(
      NotLeadingError,
    );
    expect(calls).toEqual(["read"]);
  });

  it("lost during the dry run of a replace: not deleted", async () => {
    let leading = true;
    const { api, calls } = fake(existing("Opaque", { v: "b2xk" }));
    const original = api.create.bind(api);
    api.create = async (namespace, secret, dryRun) => {
      const made = await original(namespace, secret, dryRun);
      if (dryRun) leading = false;
      return made;
    };
    await expect(
      writeSecret(api, resource({ type: "example.com/other" }), data, () => leading),
    ).rejects.toBeInstanceOf(NotLeadingError);
    expect(calls).toEqual(["read", "create(dryRun)"]);
  });

  it("lost after the delete of a replace: the new Secret is created all the same", async () => {
    let leading = true;
    const { api, calls } = fake(existing("Opaque", { v: "b2xk" }));
    const original = api.delete.bind(api);
    api.delete = async (namespace, name, preconditions) => {
      leading = false;
      return original(namespace, name, preconditions);
    };
    await expect(
      writeSecret(api, resource({ type: "example.com/other" }), data, () => leading),
    ).resolves.toBe("replaced");
    expect(calls).toEqual(["read", "create(dryRun)", "delete", "create"]);
  });

  it("still leading: written as before", async () => {
    const { api, calls } = fake(existing("Opaque", { v: "b2xk" }));
    await expect(writeSecret(api, resource({}), data, () => true)).resolves.toBe("updated");
    expect(calls).toEqual(["read", "replace"]);
  });
});

describe("writeSecret and the labels and annotations of others", () => {
  const data = { v: Buffer.from("new").toString("base64") };
  const RECORD = "s5.dev/managed-metadata";
  /** The Secret as s5 wrote it for labels {tier: web}, annotations {note: s5}, then others added theirs. */
  const written = (extra: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  }) => {
    const secret = existing("Opaque", data);
    secret.metadata.labels = {
      "s5.dev/managed-by": "s5-controller",
      tier: "web",
      ...extra.labels,
    };
    secret.metadata.annotations = {
      note: "s5",
      [RECORD]: JSON.stringify({ labels: ["tier"], annotations: ["note"] }),
      ...extra.annotations,
    };
    return secret;
  };
  const spec = (labels: Record<string, string>, annotations: Record<string, string>) =>
    resource({ metadata: { labels, annotations } });
  /** What the fake's replace (or create) received. */
  const sent = (api: SecretsApi) => {
    const seen: SecretObject[] = [];
    const replace = api.replace.bind(api);
    const create = api.create.bind(api);
    api.replace = async (namespace, name, secret) => {
      seen.push(secret);
      return replace(namespace, name, secret);
    };
    api.create = async (namespace, secret, dryRun) => {
      if (!dryRun) seen.push(secret);
      return create(namespace, secret, dryRun);
    };
    return seen;
  };

  it("a resync leaves a label and an annotation someone else added (no write)", async () => {
    const others = {
      labels: { "backup.example.com/include": "true" },
      annotations: { "argocd.argoproj.io/tracking-id": "app:/Secret:shop/db" },
    };
    const { api, calls } = fake(written(others));
    await expect(writeSecret(api, spec({ tier: "web" }, { note: "s5" }), data)).resolves.toBe(
      "unchanged",
    );
    expect(calls).toEqual(["read"]);
  });

  it("an update keeps others' keys, removes a label s5 set that the S5Secret dropped, and records its keys", async () => {
    const { api } = fake(
      written({ labels: { reloader: "yes" }, annotations: { "kubectl.io/note": "hand" } }),
    );
    const seen = sent(api);
    await expect(writeSecret(api, spec({ team: "a" }, { note: "s5" }), data)).resolves.toBe(
      "updated",
    );
    expect(seen[0]?.metadata.labels).toEqual({
      "s5.dev/managed-by": "s5-controller",
      reloader: "yes",
      team: "a",
    });
    expect(seen[0]?.metadata.annotations).toEqual({
      note: "s5",
      "kubectl.io/note": "hand",
      [RECORD]: JSON.stringify({ labels: ["team"], annotations: ["note"] }),
    });
  });

  it("a key both set is s5's: its value comes back", async () => {
    const { api } = fake(written({ labels: { tier: "hand-edited" } }));
    const seen = sent(api);
    await expect(writeSecret(api, spec({ tier: "web" }, { note: "s5" }), data)).resolves.toBe(
      "updated",
    );
    expect(seen[0]?.metadata.labels?.tier).toBe("web");
  });

  it("a replaced Secret (a new type) keeps others' keys too", async () => {
    const { api } = fake(written({ labels: { reloader: "yes" } }));
    const seen = sent(api);
    await expect(
      writeSecret(
        api,
        resource({ type: "example.com/other", metadata: { labels: { tier: "web" } } }),
        data,
      ),
    ).resolves.toBe("replaced");
    expect(seen[0]?.metadata.labels).toEqual({
      "s5.dev/managed-by": "s5-controller",
      reloader: "yes",
      tier: "web",
    });
    // `note` was s5's and is no longer asked for.
    expect(Object.keys(seen[0]?.metadata.annotations ?? {})).toEqual([RECORD]);
  });

  it("without a record (a Secret of an earlier version), nothing but what is asked for is s5's", async () => {
    const secret = written({ labels: { other: "kept" } });
    delete secret.metadata.annotations?.[RECORD];
    const { api } = fake(secret);
    const seen = sent(api);
    await expect(writeSecret(api, spec({}, {}), data)).resolves.toBe("updated");
    expect(seen[0]?.metadata.labels).toEqual({
      "s5.dev/managed-by": "s5-controller",
      tier: "web",
      other: "kept",
    });
  });
});
