import * as pulumi from "@pulumi/pulumi";
import type { Decryptor } from "./decryptor.ts";
import { getDecryptor } from "./decryptor.ts";
import { hasTokens, mapTokenStrings, renderDeep, renderJsonText } from "./render.ts";
import { secret } from "./secret.ts";

export interface ConfigOptions {
  /**
   * Decrypts the tokens; tests pass a {@link stubDecryptor}.
   * @default the decryptor set with `setDecryptor()`, else s5's own settings
   */
  decryptor?: Decryptor | undefined;
}

/** Whether a text is an object or array in JSON (Pulumi's form of structured config). */
function isStructured(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null;
  } catch {
    return false;
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A validation failure of a decrypted value: says what is wrong, never the value. */
function invalid(key: string, what: string): Error {
  return new pulumi.RunError(`[s5] Configuration '${key}': the decrypted value ${what}`);
}

function checkString<K extends string>(
  value: string,
  key: string,
  opts: pulumi.StringConfigOptions<K> | undefined,
): K {
  if (opts?.allowedValues !== undefined && !opts.allowedValues.includes(value as K)) {
    throw invalid(key, `is not one of ${JSON.stringify(opts.allowedValues)}`);
  }
  if (opts?.minLength !== undefined && value.length < opts.minLength) {
    throw invalid(key, `is shorter than ${opts.minLength} characters`);
  }
  if (opts?.maxLength !== undefined && value.length > opts.maxLength) {
    throw invalid(key, `is longer than ${opts.maxLength} characters`);
  }
  if (opts?.pattern !== undefined) {
    const pattern = typeof opts.pattern === "string" ? new RegExp(opts.pattern) : opts.pattern;
    if (!pattern.test(value)) throw invalid(key, `does not match ${pattern}`);
  }
  return value as K;
}

function toNumber(
  value: string,
  key: string,
  opts: pulumi.NumberConfigOptions | undefined,
): number {
  const number = Number.parseFloat(value);
  if (Number.isNaN(number)) throw invalid(key, "is not a number");
  if (opts?.min !== undefined && number < opts.min) throw invalid(key, `is below ${opts.min}`);
  if (opts?.max !== undefined && number > opts.max) throw invalid(key, `is above ${opts.max}`);
  return number;
}

function toBoolean(value: string, key: string): boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  throw invalid(key, "is not `true` or `false`");
}

/**
 * A drop-in for `pulumi.Config` that decrypts s5 tokens in stack config. Values without a token
 * come back exactly as `pulumi.Config` returns them; a value that held a token always comes back
 * as a secret `Output` of the plaintext (converted and validated like the original), whichever
 * getter read it — so the plain getters are typed `T | Output<T>`, which every resource input
 * accepts. Validation errors of decrypted values never show the value.
 *
 * @example
 * // Pulumi.dev.yaml:  app:dbPassword: "{{ s5:local:AbCdEfGh:… }}"
 * const config = new Config();
 * const password = config.requireSecret("dbPassword"); // Output<string>, secret, plaintext
 */
export class Config {
  /** The configuration bag's name (the project's by default), as in `pulumi.Config`. */
  readonly name: string;
  readonly #config: pulumi.Config;
  readonly #decryptor: Decryptor | undefined;

  constructor(name?: string, options: ConfigOptions = {}) {
    this.#config = new pulumi.Config(name);
    this.name = this.#config.name;
    this.#decryptor = options.decryptor;
  }

  #key(key: string): string {
    return `${this.name}:${key}`;
  }

  /** The raw text when it holds a token, else `undefined` (then `pulumi.Config` answers). */
  #tokenText(key: string): string | undefined {
    const raw = this.#config.get(key);
    return raw !== undefined && hasTokens(raw) ? raw : undefined;
  }

  #decrypt<T>(text: string, key: string, convert: (plain: string) => T): pulumi.Output<T> {
    const name = `config ${this.#key(key)}`;
    if (!isStructured(text)) {
      return secret(text, { name, decryptor: this.#decryptor }).apply((plain) => convert(plain));
    }
    // A structured value (Pulumi hands it over as JSON text), or a string setting whose text is
    // JSON: each token in a string is replaced by its plaintext escaped for that string (a quote,
    // a backslash, a newline in a PEM key cannot break the text or add keys to it), and nothing
    // else changes: numbers keep every digit (`123456789012345678901`, `1e400`, `1.10`), a
    // pretty-printed policy keeps its lines. Never parsed and written again.
    const decryptor = this.#decryptor ?? getDecryptor();
    return pulumi.secret(text).apply(async (raw) => {
      const plain = await renderJsonText(raw, name, decryptor);
      if (!isJson(plain)) {
        throw invalid(this.#key(key), "is not valid JSON, though the configured text was");
      }
      return convert(plain);
    });
  }

  get<K extends string = string>(
    key: string,
    opts?: pulumi.StringConfigOptions<K>,
  ): K | pulumi.Output<K> | undefined {
    const text = this.#tokenText(key);
    if (text === undefined) return this.#config.get(key, opts);
    return this.#decrypt(text, key, (plain) => checkString(plain, this.#key(key), opts));
  }

  getSecret<K extends string = string>(
    key: string,
    opts?: pulumi.StringConfigOptions<K>,
  ): pulumi.Output<K> | undefined {
    const text = this.#tokenText(key);
    if (text === undefined) return this.#config.getSecret(key, opts);
    return this.#decrypt(text, key, (plain) => checkString(plain, this.#key(key), opts));
  }

  require<K extends string = string>(
    key: string,
    opts?: pulumi.StringConfigOptions<K>,
  ): K | pulumi.Output<K> {
    const text = this.#tokenText(key);
    if (text === undefined) return this.#config.require(key, opts);
    return this.#decrypt(text, key, (plain) => checkString(plain, this.#key(key), opts));
  }

  requireSecret<K extends string = string>(
    key: string,
    opts?: pulumi.StringConfigOptions<K>,
  ): pulumi.Output<K> {
    const text = this.#tokenText(key);
    if (text === undefined) return this.#config.requireSecret(key, opts);
    return this.#decrypt(text, key, (plain) => checkString(plain, this.#key(key), opts));
  }

  getNumber(
    key: string,
    opts?: pulumi.NumberConfigOptions,
  ): number | pulumi.Output<number> | undefined {
    const text = this.#tokenText(key);
    if (text === undefined) return this.#config.getNumber(key, opts);
    return this.#decrypt(text, key, (plain) => toNumber(plain, this.#key(key), opts));
  }

  getSecretNumber(
    key: string,
    opts?: pulumi.NumberConfigOptions,
  ): pulumi.Output<number> | undefined {
    const text = this.#tokenText(key);
    if (text === undefined) return this.#config.getSecretNumber(key, opts);
    return this.#decrypt(text, key, (plain) => toNumber(plain, this.#key(key), opts));
  }

  requireNumber(key: string, opts?: pulumi.NumberConfigOptions): number | pulumi.Output<number> {
    const text = this.#tokenText(key);
    if (text === undefined) return this.#config.requireNumber(key, opts);
    return this.#decrypt(text, key, (plain) => toNumber(plain, this.#key(key), opts));
  }

  requireSecretNumber(key: string, opts?: pulumi.NumberConfigOptions): pulumi.Output<number> {
    const text = this.#tokenText(key);
    if (text === undefined) return this.#config.requireSecretNumber(key, opts);
    return this.#decrypt(text, key, (plain) => toNumber(plain, this.#key(key), opts));
  }

  getBoolean(key: string): boolean | pulumi.Output<boolean> | undefined {
    const text = this.#tokenText(key);
    if (text === undefined) return this.#config.getBoolean(key);
    return this.#decrypt(text, key, (plain) => toBoolean(plain, this.#key(key)));
  }

  getSecretBoolean(key: string): pulumi.Output<boolean> | undefined {
    const text = this.#tokenText(key);
    if (text === undefined) return this.#config.getSecretBoolean(key);
    return this.#decrypt(text, key, (plain) => toBoolean(plain, this.#key(key)));
  }

  requireBoolean(key: string): boolean | pulumi.Output<boolean> {
    const text = this.#tokenText(key);
    if (text === undefined) return this.#config.requireBoolean(key);
    return this.#decrypt(text, key, (plain) => toBoolean(plain, this.#key(key)));
  }

  requireSecretBoolean(key: string): pulumi.Output<boolean> {
    const text = this.#tokenText(key);
    if (text === undefined) return this.#config.requireSecretBoolean(key);
    return this.#decrypt(text, key, (plain) => toBoolean(plain, this.#key(key)));
  }

  /**
   * An object whose strings may hold tokens (a structured value in the stack config), or a value
   * that is a token whose plaintext is JSON.
   */
  #object<T>(key: string): T | pulumi.Output<T> | undefined {
    const raw = this.#config.get(key);
    if (raw === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      if (!hasTokens(raw)) return this.#config.getObject<T>(key);
      return this.#decrypt(raw, key, (plain) => {
        try {
          return JSON.parse(plain) as T;
        } catch {
          throw invalid(this.#key(key), "is not valid JSON");
        }
      });
    }
    if (mapTokenStrings(parsed, "", () => true) === undefined) return parsed as T;
    const decryptor = this.#decryptor ?? getDecryptor();
    const rendered = renderDeep(parsed, `config ${this.#key(key)}`, decryptor);
    return pulumi.secret(pulumi.output(rendered)) as pulumi.Output<T>;
  }

  getObject<T>(key: string): T | pulumi.Output<T> | undefined {
    return this.#object<T>(key);
  }

  getSecretObject<T>(key: string): pulumi.Output<T> | undefined {
    const value = this.#object<T>(key);
    if (value === undefined) return undefined;
    return pulumi.Output.isInstance(value) ? value : this.#config.getSecretObject<T>(key);
  }

  requireObject<T>(key: string): T | pulumi.Output<T> {
    return this.#object<T>(key) ?? this.#config.requireObject<T>(key);
  }

  requireSecretObject<T>(key: string): pulumi.Output<T> {
    return this.getSecretObject<T>(key) ?? this.#config.requireSecretObject<T>(key);
  }
}
