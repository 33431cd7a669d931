// `s5 k8s wrap` / `unwrap`, the built CLI as a child process: a Secret manifest with real tokens
// becomes an S5Secret (valid YAML, tokens as strings, comments kept) and comes back so that
// `s5 render` gives exactly what it gave before.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { sandbox } from "./run.ts";

describe("s5 k8s wrap / unwrap", () => {
  const box = sandbox();
  let manifest: string;
  const run = async (args: string[], input?: string) => {
    const out = await box.s5(args, input === undefined ? {} : { input });
    expect(out.code, out.stderr).toBe(0);
    return out.stdout.toString();
  };

  beforeAll(async () => {
    await run(["init", "--name", "dev"]);
    const cipher = async (value: string, filter: string) =>
      run(["cipher", "--no-trim", "-f", filter], value);
    manifest = [
      "# billing database",
      "apiVersion: v1",
      "kind: Secret",
      "metadata:",
      "  name: db",
      "  namespace: billing",
      "  labels:",
      "    app: billing",
      "type: Opaque",
      "data:",
      "  # base64 under data",
      `  password: ${await cipher('p"a$s\nword', "base64")}`,
      "stringData:",
      `  tricky: ${await cipher("say \"hi\" 'bye' \\n ✓\n", "yaml")}`,
      "  user: billing",
      "---",
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata:",
      "  name: untouched",
      "",
    ].join("\n");
    writeFileSync(join(box.dir, "secret.yml"), manifest);
  });

  it("wrap: an S5Secret with the Secret's fields in spec, tokens quoted, | yaml dropped", async () => {
    const wrapped = await run(["k8s", "wrap", "secret.yml"]);
    expect(wrapped).toContain("# billing database");
    expect(wrapped).toContain("# base64 under data");
    const [resource, other] = wrapped.split(/^---$/m).map((doc) => parse(doc));
    expect(resource.apiVersion).toBe("s5.dev/v1alpha1");
    expect(resource.kind).toBe("S5Secret");
    expect(resource.metadata).toEqual({ name: "db", namespace: "billing" });
    expect(resource.spec.type).toBe("Opaque");
    expect(resource.spec.metadata).toEqual({ labels: { app: "billing" } });
    expect(resource.spec.data.password).toMatch(/^\{\{ s5:local:\S+ \| base64 \}\}$/);
    expect(resource.spec.stringData.tricky).toMatch(/^\{\{ s5:local:\S+ \}\}$/);
    expect(resource.spec.stringData.user).toBe("billing");
    // That one holds no token: a warning names it (never its value), the rest is as it was.
    const out = await box.s5(["k8s", "wrap", "secret.yml"]);
    expect(out.code).toBe(0);
    expect(out.stderr).toBe(
      "s5: warning: secret.yml: stringData.user holds no token: it is plaintext in the S5Secret (encrypt it with `s5 cipher`, or mark it {{ s5:seal … }} and run `s5 seal`)\n",
    );
    expect(other).toEqual({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "untouched" } });
  });

  it("unwrap after wrap renders exactly as the original", async () => {
    const wrapped = await run(["k8s", "wrap", "secret.yml"]);
    writeFileSync(join(box.dir, "secret.s5.yml"), wrapped);
    const unwrapped = await run(["k8s", "unwrap", "secret.s5.yml"]);
    writeFileSync(join(box.dir, "back.yml"), unwrapped);
    const original = await run(["render", "secret.yml"]);
    expect(await run(["render", "back.yml"])).toBe(original);
    expect(parse(original.split(/^---$/m)[0]!).stringData.tricky).toBe("say \"hi\" 'bye' \\n ✓\n");
  });

  it("a token followed by a digit, with 11+ tokens: wrap then unwrap renders as the original", async () => {
    const cipher = async (value: string, filter?: string) =>
      run(["cipher", ...(filter ? ["-f", filter] : [])], value);
    const lines = ["apiVersion: v1", "kind: Secret", "metadata: {name: db}", "stringData:"];
    lines.push(`  user: ${await cipher("app", "yaml")}`);
    lines.push(`  url: "postgres://app:${await cipher("Pa55")}0@db/x"`);
    for (let i = 2; i <= 10; i++) lines.push(`  k${i}: ${await cipher(`other-${i}`, "yaml")}`);
    lines.push(`  pin: "${await cipher("PIN")}7"`, "");
    writeFileSync(join(box.dir, "digit.yml"), lines.join("\n"));
    const original = await run(["render", "digit.yml"]);
    expect(original).toContain('url: "postgres://app:Pa550@db/x"');
    writeFileSync(join(box.dir, "digit.s5.yml"), await run(["k8s", "wrap", "digit.yml"]));
    const back = await run(["k8s", "unwrap", "digit.s5.yml"]);
    expect(parse(await run(["render", "-"], back))).toEqual(parse(original));
  });

  it("documents not converted are copied as text: defaultMode 0440 stays 0440", async () => {
    const deployment = [
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata: {name: api}",
      "spec:",
      "  template:",
      "    spec:",
      "      volumes:",
      "        - name: db",
      "          secret: {secretName: db, defaultMode: 0440}",
      "",
    ].join("\n");
    writeFileSync(join(box.dir, "app.yml"), `${manifest}---\n${deployment}`);
    const wrapped = await run(["k8s", "wrap", "app.yml"]);
    expect(wrapped.endsWith(`---\n${deployment}`)).toBe(true);
    expect((await run(["k8s", "unwrap", "-"], wrapped)).endsWith(`---\n${deployment}`)).toBe(true);
  });

  it("unwrap -i keeps unquoted tokens and the white space around a token", async () => {
    const quoted = (await run(["cipher"], "db-pass")).trim();
    const text = [
      "apiVersion: s5.dev/v1alpha1",
      "kind: S5Secret",
      "metadata: {name: a}",
      "spec:",
      "  stringData:",
      `    handwritten: ${quoted}`,
      `    spaced: "  ${quoted}  "`,
      `    nl: "${quoted}\\n"`,
      "---",
      "apiVersion: v1",
      "kind: Secret",
      "metadata: {name: b}",
      "stringData:",
      `  password: ${(await run(["cipher", "-f", "yaml"], "hunter2")).trim()}`,
      "",
    ].join("\n");
    writeFileSync(join(box.dir, "mix.yml"), text);
    await run(["k8s", "unwrap", "-i", "mix.yml"]);
    const [first, second] = (await run(["render", "mix.yml"])).split(/^---$/m).map((d) => parse(d));
    expect(first.stringData).toEqual({
      handwritten: "db-pass",
      spaced: "  db-pass  ",
      nl: "db-pass\n",
    });
    expect(second.stringData).toEqual({ password: "hunter2" });
  });

  it("a value behind a merge key is refused, and the error never shows it", async () => {
    writeFileSync(
      join(box.dir, "merge.yml"),
      "apiVersion: v1\nkind: Secret\nmetadata: {name: m}\nstringData:\n  <<: {password: hunter2}\n",
    );
    const out = await box.s5(["k8s", "wrap", "merge.yml"]);
    expect(out.code).toBe(3);
    expect(out.stderr).toContain("merge.yml:5:3:");
    expect(out.stderr).toContain("S5_K8S_YAML");
    expect(out.stderr).not.toContain("hunter2");
    expect(out.stdout.toString()).toBe("");
  });

  it("-i rewrites the file; a file without a Secret is an error naming it", async () => {
    writeFileSync(join(box.dir, "inplace.yml"), manifest);
    await run(["k8s", "wrap", "-i", "inplace.yml"]);
    expect(await run(["k8s", "unwrap", "inplace.yml"])).toContain("kind: Secret");
    writeFileSync(
      join(box.dir, "cm.yml"),
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    );
    const out = await box.s5(["k8s", "wrap", "cm.yml"]);
    expect(out.code).toBe(3);
    expect(out.stderr).toContain("cm.yml:1:1: the manifest holds no Secret");
    expect(out.stderr).toContain("S5_K8S_NO_SECRET");
  });
});
