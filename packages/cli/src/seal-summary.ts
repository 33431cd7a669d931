/**
 * The line `edit` and `seal` print once a file is written: how many values got new tokens and
 * where they went (the key, who can read it), never a value. A changed value keeps its place's
 * backend; if a pull request swapped that place's token for another backend's, this line is where
 * the new value is seen going to the wrong readers.
 */
import type { SealDestination, SealResult } from "@s5/core";
import { showable } from "@s5/core/internal";

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

/** `local key vKhj6-xW (2 recipients)`, `Vault transit key app (mount transit)`, `AES`. */
export function destinationText(to: SealDestination): string {
  switch (to.backend) {
    case "local":
      if (to.key === undefined) return "local keys";
      return `local key ${to.key}${to.recipients === undefined ? "" : ` (${plural(to.recipients, "recipient")})`}`;
    case "vault": {
      if (to.key === undefined) return "Vault";
      const where = [
        ...(to.mount === undefined ? [] : [`mount ${to.mount}`]),
        ...(to.namespace === undefined ? [] : [`namespace ${to.namespace}`]),
      ];
      return `Vault transit key ${to.key}${where.length > 0 ? ` (${where.join(", ")})` : ""}`;
    }
    case "aes":
      return "AES";
  }
}

/**
 * `values.yml: 2 new token(s): 1 to local key vKhj6-xW (2 recipients), 1 to Vault transit key app
 * (mount transit); 1 kept`. `kept` is left out where nothing could be kept (`seal`).
 */
export function sealSummary(
  file: string,
  result: Pick<SealResult, "sealed" | "kept" | "destinations">,
  options: { kept: boolean },
): string {
  const where = result.destinations
    .map(({ to, count }) => `${count} to ${destinationText(to)}`)
    .join(", ");
  const sealed = `${result.sealed} new token(s)${where ? `: ${where}` : ""}`;
  const kept = options.kept ? `${where ? ";" : ","} ${result.kept} kept` : "";
  return `${showable(file)}: ${sealed}${kept}\n`;
}
