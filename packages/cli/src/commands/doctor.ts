import { defaultBackend, resolveSettings, S5Error } from "@s5/core";
import { checkVault, type Finding, showable } from "@s5/core/internal";
import { overridesFrom } from "../args.ts";
import { defineCommand } from "../define.ts";
import { backendOptions, commonOptions, jsonOption } from "../options.ts";
import { writeStdout } from "../stdout.ts";

const MARK: Record<Finding["status"], string> = {
  ok: "ok  ",
  fail: "FAIL",
  warn: "warn",
  info: "    ",
};

/**
 * A finding as one line, a failure with its code and hint. Its text holds what the server said (its
 * version, the token's policies, the key's type): control characters are shown escaped, so a
 * server cannot move the cursor, retitle the terminal or hide a line of the report.
 */
function line(finding: Finding): string {
  const head = `${MARK[finding.status]} ${finding.topic.padEnd(10)} ${showable(finding.text)}`;
  if (!finding.error) return `${head}\n`;
  const hint = finding.error.hint
    ? `\n     ${" ".repeat(10)} hint: ${showable(finding.error.hint)}`
    : "";
  return `${head} (${finding.error.code})${hint}\n`;
}

export default defineCommand({
  name: "doctor",
  summary: "check that s5 can reach Vault and use its key",
  description: `Says which Vault settings s5 would use here — address, namespace, proxy, TLS, where the token
comes from — then asks the server: does it answer (sealed? a standby?), is the token valid (its
policies and expiry), may it encrypt, decrypt and rewrap with the transit key (sys/capabilities-self),
does the key exist. Read-only: nothing is encrypted, no key is created. No line holds a token, a
proxy's login or a header's value. Local keys: \`s5 keys list\`.
Exits 0 when nothing failed, else with the exit code of the first failure.`,
  positionals: [],
  options: { ...commonOptions, ...backendOptions, ...jsonOption },
  examples: ["s5 doctor", "s5 doctor --json | jq '.[] | select(.status == \"fail\")'"],
  async run({ values }) {
    const settings = resolveSettings({ overrides: overridesFrom(values, undefined) });
    let findings: Finding[];
    let backend: string;
    try {
      backend = defaultBackend(settings);
    } catch (error) {
      if (!(error instanceof S5Error)) throw error;
      backend = "none";
    }
    if (backend === "vault" || settings.env.VAULT_ADDR || settings.env.BAO_ADDR) {
      findings = [
        { status: "info", topic: "backend", text: `${backend} for new tokens` },
        ...(await checkVault(settings)),
      ];
    } else {
      findings = [
        {
          status: "info",
          topic: "backend",
          text: `${backend} for new tokens; no Vault address is set (VAULT_ADDR, BAO_ADDR, VAULT_AGENT_ADDR)${backend === "local" ? ": `s5 keys list` shows the local keys" : ""}`,
        },
      ];
    }
    if (values.json) {
      const items = findings.map(({ status, topic, text, error }) => ({
        status,
        topic,
        text,
        code: error?.code ?? null,
        hint: error?.hint ?? null,
      }));
      await writeStdout([Buffer.from(`${JSON.stringify(items, null, 2)}\n`)]);
    } else {
      await writeStdout([Buffer.from(findings.map(line).join(""))]);
    }
    const first = findings.find((finding) => finding.status === "fail");
    return first ? (first.error?.exitCode ?? 1) : 0;
  },
});
