import * as pulumi from "@pulumi/pulumi";
import { type Decryptor, getDecryptor } from "./decryptor.ts";
import { hasTokens, renderText } from "./render.ts";

export interface SecretOptions {
  /**
   * Name used in error messages to say where the token was.
   * @default "secret()"
   */
  name?: string | undefined;
  /**
   * Decrypts the tokens; tests pass a {@link stubDecryptor}.
   * @default the decryptor set with `setDecryptor()`, else s5's own settings
   */
  decryptor?: Decryptor | undefined;
}

/**
 * A token, or any text with tokens in it, as a secret `Output` holding the plaintext. Works in
 * `pulumi preview` too (whenever the input itself is known); text without tokens comes back
 * unchanged, still marked secret.
 *
 * @example
 * const password = secret("{{ s5:local:AbCdEfGh:… }}");
 * const url = secret(pulumi.interpolate`postgres://app:{{ s5:vault:v1:… }}@${host}/app`);
 */
export function secret(
  input: pulumi.Input<string>,
  options: SecretOptions = {},
): pulumi.Output<string> {
  const name = options.name ?? "secret()";
  const decryptor = options.decryptor;
  // Secret first, then apply (which keeps the flag): one Output, whose failure is its own.
  return pulumi.secret(input).apply(async (text) => {
    if (typeof text !== "string") {
      throw new pulumi.RunError(`[s5] ${name}: expected a string, got ${typeof text}`);
    }
    return hasTokens(text) ? renderText(text, name, decryptor ?? getDecryptor()) : text;
  });
}
