// The main way `s5/config` reads its files in a pod: a ConfigMap or Secret volume, written by the
// kubelet (`FILE -> ..data/FILE`, `..data -> ..2026_…`, root's, no git), swapped to a new
// directory when the ConfigMap is updated, possibly while the application starts. A file's project
// is found above its real place (links followed): with the `.s5.json` in the volume too, that was
// the timestamped directory, which the kubelet deletes at the next update.
import { readFileSync, readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { kubeletWrite } from "../setup/kubelet-volume.ts";
import { hasStrace, killTraced, traced } from "../setup/traced.ts";
import { localProject, printVars, s5Bin } from "./helpers.ts";

const PRINT = printVars(["DB"]);

async function volume() {
  const app = await localProject();
  const [token] = await app.encrypt(["pod-secret"]);
  const mount = join(app.dir, "..", "etc-app");
  const files = {
    ".env": `DB=${token}\n`,
    ".s5.json": readFileSync(join(app.dir, ".s5.json"), "utf8"),
  };
  const data = kubeletWrite(mount, files);
  return { app, mount, files, data };
}

describe("a .env and its .s5.json in a Kubernetes volume", () => {
  it("are read by s5/config from anywhere", async () => {
    const { app, mount } = await volume();
    const out = await app.node(["--import", "s5/config", "-e", PRINT], {
      S5_CONFIG_PATH: join(mount, ".env"),
    });
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toEqual({ DB: "pod-secret" });
  });

  it.runIf(hasStrace)(
    "a file of the volume is sealed by the CLI when the kubelet swaps it after its project was chosen",
    async () => {
      const { app, mount, files } = await volume();
      const pod = { app, mount, files: { ...files, "values.yml": "v: {{ s5:seal pod-value }}\n" } };
      kubeletWrite(mount, pod.files);
      const chosen = readlinkSync(join(mount, "..data"));
      // Stopped when it opens the project config (the project chosen, values.yml not read):
      // by the volume's name, it is the same after the update; by the data directory of the
      // moment, the file read would be in another directory than its project was chosen for.
      const s5 = traced(
        [process.execPath, s5Bin, "seal", join(mount, "values.yml")],
        { cwd: app.dir, env: app.env },
        [join(mount, ".s5.json"), join(mount, chosen, ".s5.json")],
        ["inject=openat:signal=SIGSTOP:when=1"],
      );
      await s5.stopped(1);
      kubeletWrite(mount, pod.files);
      s5.go();
      const out = await s5.end();
      expect(out.stderr).not.toContain("S5_INPUT_CHANGED");
      expect(out.code, out.stderr).toBe(0);
      // The first use of its key is told of the project by the volume's name.
      expect(out.stderr).toContain(`now encrypts in ${join(mount, ".s5.json")}, trusted`);
      expect(out.stdout).toMatch(/^v: \{\{ s5:local:/);
    },
  );

  it.runIf(hasStrace)("are read when the kubelet swaps the volume during the start", async () => {
    const pod = await volume();
    // Stopped at the third look at the project config by the volume's data directory (strace
    // matches the name used; the first two find it): the project is chosen, its config not read
    // yet. Not stopped: it read the config by no name an update can take away.
    const out = await startUpdatedAt(pod, join(pod.data, ".s5.json"), "access", 3);
    // Before: exit 1, "cannot access …/..2026_…/.s5.json: ENOENT (S5_INPUT)".
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ DB: "pod-secret" });
  });

  it.runIf(hasStrace)(
    "are read when the kubelet swaps the volume while s5 judges its links",
    async () => {
      const pod = await volume();
      // Stopped when it resolves the project config it found in the data directory, to see
      // whether the link leads into another project.
      const out = await startUpdatedAt(pod, join(pod.data, ".s5.json"), "readlink", 1);
      expect(out.stopped).toBe(true);
      // Before: exit 1, "cannot access …/..2026_…/.s5.json: ENOENT (S5_INPUT)".
      expect(out.stderr).toBe("");
      expect(out.code).toBe(0);
      expect(JSON.parse(out.stdout)).toEqual({ DB: "pod-secret" });
    },
  );

  it.runIf(hasStrace)(
    "a read that lost the race with an update says so, not that the file is missing",
    async () => {
      const pod = await volume();
      // What the reader sees when the kernel resolved `..data` to the directory the kubelet then
      // deleted: the name leads nowhere for a moment. Stopped when s5 reads the link for its hint;
      // the update is complete then.
      rmSync(pod.data, { recursive: true });
      const out = await startUpdatedAt(pod, join(pod.mount, ".env"), "readlink", 1);
      expect(out.stopped).toBe(true);
      expect(out.code).not.toBe(0);
      // Before: "…, which does not exist: point the link at the file, or remove it".
      expect(out.stderr).toContain(
        "it is a symbolic link to ..data/.env, which changed while s5 read it: run again",
      );
    },
  );
});

// A test that fails or times out at a stop would leave node stopped (SIGSTOP) and strace waiting.
afterEach(killTraced);

/**
 * `s5/config` started on the volume's `.env` under strace, the ConfigMap updated when it stops
 * at the `when`-th `call` on `path`, if it gets there (`stopped`).
 */
async function startUpdatedAt(
  pod: Awaited<ReturnType<typeof volume>>,
  path: string,
  call: string,
  when: number,
) {
  const node = traced(
    [process.execPath, "--import", "s5/config", "-e", PRINT],
    { cwd: pod.app.dir, env: { ...pod.app.env, S5_CONFIG_PATH: join(pod.mount, ".env") } },
    [path],
    [`inject=${call}:signal=SIGSTOP:when=${when}`],
  );
  const stopped = await node.stopped(1).then(
    () => true,
    () => false,
  );
  if (stopped) {
    kubeletWrite(pod.mount, pod.files);
    node.go();
  }
  const out = await node.end();
  return { ...out, stopped, stderr: out.stderr.replace(/^strace: .*\n/gm, "") };
}
