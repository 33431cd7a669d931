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
