// The helm downloader plugin (packages/cli/helm-plugin) as helm users use it, with real helm 3 and
// helm 4 and no cluster (`helm template`): the URLs people write, helm run from another directory,
// which s5 runs, what reaches the user when it fails, S5_* variables passed through, and no
// plaintext in any file helm or the plugin writes. The install against a real API server is in
// flows.test.ts.
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runChild } from "../child.ts";
import { S5_BIN, type Sandbox, s5OnPath, sandbox } from "../cli/run.ts";
import { describeKube, type KubeTool, kubeTool } from "../setup/kube-tools.ts";

const helmPlugin = fileURLToPath(new URL("../../packages/cli/helm-plugin", import.meta.url));

/** Every file under `dir` whose bytes hold `text`. */
function filesHolding(dir: string, text: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    const file = join(dir, entry);
    const stat = statSync(file, { throwIfNoEntry: false });
    if (stat?.isFile() && readFileSync(file).includes(text)) found.push(entry);
  }
  return found;
}

for (const tool of ["helm", "helm4"] as const satisfies readonly KubeTool[]) {
  describeKube(`the s5 helm plugin with ${tool} (helm template, no cluster)`, () => {
    let box: Sandbox;
    let root: string;
    let helm: string;
    let chart: string;
    /** PATH with s5 (a user's global install) and without it. */
    let withS5: string;
    let withoutS5: string;
    const plaintexts: Record<string, string> = {};

    /** helm as a user runs it: its plugins, cache and temp files all under `root`. */
    const run = (
      args: string[],
      options: { cwd?: string; env?: Record<string, string>; data?: string } = {},
    ) =>
      runChild(helm, args, {
        cwd: options.cwd ?? box.dir,
        env: {
          ...box.env,
          PATH: withS5,
          HELM_CACHE_HOME: join(root, "helm-cache"),
          HELM_CONFIG_HOME: join(root, "helm-config"),
          // Plugins in $HELM_DATA_HOME/plugins: helm 4.3 installs a local directory there
          // whatever HELM_PLUGINS says (helm issue #32646), and loads them from HELM_PLUGINS.
          HELM_DATA_HOME: options.data ?? join(root, "helm-data"),
          TMPDIR: join(root, "tmp"),
          ...options.env,
        },
      });
    const cipher = async (name: string, filter = ["-f", "yaml"]) => {
      const value = `pw-${name}-${tool}`;
      plaintexts[name] = value;
      const out = await box.s5(["cipher", "--no-trim", ...filter], { input: value });
      expect(out.code, out.stderr).toBe(0);
      return out.stdout.toString();
    };
    /** A values file whose key `name` holds an s5 token of `pw-NAME-TOOL`. */
    const values = async (file: string, name: string) => {
      mkdirSync(join(file, ".."), { recursive: true });
      writeFileSync(file, `${name}: ${await cipher(name)}\n`);
    };
    /** A plugin directory as `helm plugin install` gets it, into the helm data directory `data`. */
    const install = async (dir: string, data: string) => {
      const out = await run(["plugin", "install", dir], { data });
      expect(out.code, out.stderr).toBe(0);
    };

    beforeAll(async () => {
      helm = kubeTool(tool);
      box = sandbox();
      root = join(box.dir, "..");
      mkdirSync(join(root, "tmp"));
      await box.s5(["init", "--name", "dev"]);
      withS5 = [s5OnPath(box.dir), process.env.PATH].join(":");
      // npx puts the work tree's node_modules/.bin (with its s5) on PATH: leave such parts out.
      withoutS5 = (process.env.PATH ?? "")
        .split(":")
        .filter((dir) => !existsSync(join(dir, "s5")))
        .join(":");
      chart = join(root, "chart");
      mkdirSync(join(chart, "templates"), { recursive: true });
      writeFileSync(join(chart, "Chart.yaml"), "apiVersion: v2\nname: probe\nversion: 0.1.0\n");
      writeFileSync(
        join(chart, "templates", "values.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\ndata:\n  values: {{ toJson .Values | quote }}\n",
      );
      // A copy of the plugin alone, as from a git checkout or a tarball: s5 must be on PATH.
      cpSync(helmPlugin, join(root, "plugin-copy"), { recursive: true });
      await install(join(root, "plugin-copy"), join(root, "helm-data"));
    });
    afterAll(() => {
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it("reads the URLs people write, relative to helm's working directory", async () => {
      await values(join(box.dir, "values.yml"), "plain");
      await values(join(box.dir, "dir", "v.yml"), "dotslash");
      await values(join(box.dir, "abs.yml"), "absolute");
      await values(join(root, "up.yml"), "up");
      await values(join(box.dir, "dir", "with space.yml"), "space");
      await values(join(box.dir, "-dash.yml"), "dash");
      await values(join(box.dir, "upper.yml"), "upper");
      await values(join(box.dir, "opaque.yml"), "opaque");
      await values(join(box.env.HOME as string, "home.yml"), "tilde");
      writeFileSync(join(box.dir, "secret.txt"), await cipher("setfile", []));
      const out = await run([
        "template",
        chart,
        "-f",
        "s5://values.yml",
        "-f",
        "s5://./dir/v.yml",
        `--values=s5://${join(box.dir, "abs.yml")}`,
        "-f",
        "s5://../up.yml",
        "-f",
        "s5://dir/with space.yml",
        "-f",
        "s5://-dash.yml",
        "-f",
        "S5://upper.yml",
        "-f",
        "s5:opaque.yml",
        "-f",
        "s5://~/home.yml",
        "--set-file",
        "setfile=s5://secret.txt",
      ]);
      expect(out.stderr).toBe("");
      expect(out.code).toBe(0);
      const rendered = JSON.parse(JSON.parse(out.stdout.match(/values: (".*")/)![1]!));
      expect(rendered).toEqual(plaintexts);

      // helm run from elsewhere reads the path from there (helm does not change directory);
      // the values file's own project decrypts it.
      const elsewhere = await run(["template", chart, "-f", "s5://project/values.yml"], {
        cwd: root,
      });
      expect(elsewhere.stderr).toBe("");
      expect(elsewhere.stdout).toContain(plaintexts.plain);
    });

    it("a token that fails stops helm with s5's message naming the file, and no output", async () => {
      writeFileSync(join(box.dir, "bad.yml"), "db: {{ s5:local:AbCdEfGh:bm9wZQ }}\n");
      const bad = await run(["template", chart, "-f", "s5://bad.yml"]);
      expect(bad.code).not.toBe(0);
      expect(bad.stdout).toBe("");
      expect(bad.stderr).toContain("bad.yml:1:5:");
      expect(bad.stderr).toContain("(S5_KEY_LOCAL_UNKNOWN)");
      expect(bad.stderr).toContain("hint:");

      const missing = await run(["template", chart, "-f", "s5://nope.yml"]);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain("cannot read nope.yml");
      expect(missing.stderr).toContain("(S5_INPUT)");

      const empty = await run(["template", chart, "-f", "s5://"]);
      expect(empty.code).not.toBe(0);
      expect(empty.stderr).toContain("names no file (S5_HELM_URL)");
    });

    it("without s5 on PATH, or with a bad S5_BIN, says what to do", async () => {
      await values(join(box.dir, "values.yml"), "plain");
      const none = await run(["template", chart, "-f", "s5://values.yml"], {
        env: { PATH: withoutS5 },
      });
      expect(none.code).not.toBe(0);
      expect(none.stderr).toContain(
        "s5: error: the helm plugin found no s5 command to read s5://values.yml (S5_HELM_NO_CLI)",
      );
      expect(none.stderr).toContain("hint: install s5 (npm install -g s5) or set S5_BIN");

      const notExecutable = join(root, "not-executable");
      writeFileSync(notExecutable, "#!/bin/sh\n");
      const bin = await run(["template", chart, "-f", "s5://values.yml"], {
        env: { S5_BIN: notExecutable },
      });
      expect(bin.code).not.toBe(0);
      expect(bin.stderr).toContain(`S5_BIN=${notExecutable} cannot be run (S5_HELM_NO_CLI)`);

      // S5_BIN as a user sets it: the CLI elsewhere, s5 not on PATH.
      const own = await run(["template", chart, "-f", "s5://values.yml"], {
        env: { PATH: withoutS5, S5_BIN: join(s5OnPath(box.dir), "s5") },
      });
      expect(own.stderr).toBe("");
      expect(own.stdout).toContain(plaintexts.plain);
    });

    it("installed from the s5 package (npm root), it runs that package's CLI, s5 on PATH or not", async () => {
      // The package's layout as npm installs it: helm-plugin/ beside bin/s5.cjs (here the work
      // tree's bin/ and dist/, linked); `helm plugin install` links to helm-plugin/.
      const pkg = join(root, "node_modules", "s5");
      cpSync(helmPlugin, join(pkg, "helm-plugin"), { recursive: true });
      for (const dir of ["bin", "dist"]) symlinkSync(join(S5_BIN, "..", "..", dir), join(pkg, dir));
      const data = join(root, "helm-data-npm");
      await install(join(pkg, "helm-plugin"), data);
      await values(join(box.dir, "values.yml"), "plain");
      const out = await run(["template", chart, "-f", "s5://values.yml"], {
        data,
        env: { PATH: withoutS5 },
      });
      expect(out.stderr).toBe("");
      expect(out.stdout).toContain(plaintexts.plain);
    });

    it("S5_* variables reach s5: CI's S5_PRIVATE_KEY decrypts in a fresh HOME", async () => {
      const generated = await box.s5(["keys", "generate"]);
      const secret = generated.stdout.toString().trim();
      const ci = generated.stderr.match(/s5pk-[\w-]{43}/)![0];
      expect((await box.s5(["keys", "add", "ci", ci])).code).toBe(0);
      await values(join(box.dir, "values.yml"), "plain");
      const ciHome = join(root, "ci-home");
      mkdirSync(ciHome);
      const env = { HOME: ciHome, XDG_CONFIG_HOME: join(ciHome, ".config") };
      const without = await run(["template", chart, "-f", "s5://values.yml"], { env });
      expect(without.code).not.toBe(0);
      expect(without.stderr).toMatch(/\(S5_KEY_[A-Z_]+\)/);
      const withKey = await run(["template", chart, "-f", "s5://values.yml"], {
        env: { ...env, S5_PRIVATE_KEY: secret },
      });
      expect(withKey.stderr).toBe("");
      expect(withKey.stdout).toContain(plaintexts.plain);
    });

    it("writes no plaintext to any file, and the script under sh -x prints none", async () => {
      await values(join(box.dir, "values.yml"), "plain");
      const out = await run(["template", chart, "-f", "s5://values.yml", "--debug"]);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toContain(plaintexts.plain);
      expect(out.stderr).not.toContain(plaintexts.plain);
      // HOME, helm's cache, config and data, TMPDIR and the project are all under root.
      expect(filesHolding(root, plaintexts.plain as string)).toEqual([]);

      const traced = await runChild(
        "sh",
        ["-x", join(helmPlugin, "bin", "s5-values"), "", "", "", "s5://values.yml"],
        { cwd: box.dir, env: { ...box.env, PATH: withS5 } },
      );
      expect(traced.code, traced.stderr).toBe(0);
      expect(traced.stdout).toContain(plaintexts.plain);
      expect(traced.stderr).toContain("render -- values.yml");
      expect(traced.stderr).not.toContain(plaintexts.plain);
    });
  }, [tool]);
}
