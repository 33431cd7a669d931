// The public API of this package, from its built declarations (scripts/api-report.mjs).

// ---- index.d.mts ----
import * as pulumi from "@pulumi/pulumi";
import { Outcome, SettingsInput, Source } from "@s5/core";
/**
 * Turns texts with tokens into texts with values in one round (one Vault batch), each text its
 * own outcome: its value, or a `TokenFailures` (from `@s5/core`) naming its tokens that failed
 * by source name, line and column.
 */
type Decryptor = (sources: readonly Source<string>[]) => Promise<Outcome<string>[]>;
/**
 * The real decryptor: s5's settings are read once (from `input`, else the working directory and
 * `process.env`), and backends are opened for each batch and closed after it, so a Pulumi program
 * never stays alive on an open Vault connection.
 *
 * @example
 * setDecryptor(s5Decryptor({ cwd: "/path/to/project" }));
 */
export declare function s5Decryptor(input?: SettingsInput): Decryptor;
/** Token body (`local:KEYID:…`, `vault:v1:…`) or whole token → plaintext; or a function of the body. */
type StubValues = Readonly<Record<string, string>> | ((body: string) => string | undefined);
/**
 * A decryptor for unit tests: no keys, no Vault, just the values you give. Tokens are still found
 * and filters applied by `@s5/core`, so what reaches a resource is what production would produce.
 *
 * @example
 * setDecryptor(stubDecryptor({ "local:AbCdEfGh:…": "hunter2" }));
 */
export declare function stubDecryptor(values: StubValues): Decryptor;
/**
 * Sets the decryptor every `secret()`, `Config` and transform of this process uses unless given
 * one of their own; `undefined` restores the default ({@link s5Decryptor}).
 *
 * @example
 * beforeAll(() => setDecryptor(stubDecryptor({ [token]: "hunter2" })));
 */
export declare function setDecryptor(decryptor: Decryptor | undefined): void;
/** The decryptor in force: the one set with {@link setDecryptor}, else the default. */
export declare function getDecryptor(): Decryptor;
interface ConfigOptions {
  /**
   * Decrypts the tokens; tests pass a {@link stubDecryptor}.
   * @default the decryptor set with `setDecryptor()`, else s5's own settings
   */
  decryptor?: Decryptor | undefined;
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
export declare class Config {
  #private;
  /** The configuration bag's name (the project's by default), as in `pulumi.Config`. */
  readonly name: string;
  constructor(name?: string, options?: ConfigOptions);
  get<K extends string = string>(key: string, opts?: pulumi.StringConfigOptions<K>): K | pulumi.Output<K> | undefined;
  getSecret<K extends string = string>(key: string, opts?: pulumi.StringConfigOptions<K>): pulumi.Output<K> | undefined;
  require<K extends string = string>(key: string, opts?: pulumi.StringConfigOptions<K>): K | pulumi.Output<K>;
  requireSecret<K extends string = string>(key: string, opts?: pulumi.StringConfigOptions<K>): pulumi.Output<K>;
  getNumber(key: string, opts?: pulumi.NumberConfigOptions): number | pulumi.Output<number> | undefined;
  getSecretNumber(key: string, opts?: pulumi.NumberConfigOptions): pulumi.Output<number> | undefined;
  requireNumber(key: string, opts?: pulumi.NumberConfigOptions): number | pulumi.Output<number>;
  requireSecretNumber(key: string, opts?: pulumi.NumberConfigOptions): pulumi.Output<number>;
  getBoolean(key: string): boolean | pulumi.Output<boolean> | undefined;
  getSecretBoolean(key: string): pulumi.Output<boolean> | undefined;
  requireBoolean(key: string): boolean | pulumi.Output<boolean>;
  requireSecretBoolean(key: string): pulumi.Output<boolean>;
  getObject<T>(key: string): T | pulumi.Output<T> | undefined;
  getSecretObject<T>(key: string): pulumi.Output<T> | undefined;
  requireObject<T>(key: string): T | pulumi.Output<T>;
  requireSecretObject<T>(key: string): pulumi.Output<T>;
}
/** Whether a text holds something s5 would treat as a token (malformed ones included). */
export declare function hasTokens(text: string): boolean;
interface SecretOptions {
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
export declare function secret(input: pulumi.Input<string>, options?: SecretOptions): pulumi.Output<string>;
interface TransformOptions {
  /**
   * Decrypts the tokens; tests pass a {@link stubDecryptor}.
   * @default the decryptor set with `setDecryptor()`, else s5's own settings
   */
  decryptor?: Decryptor | undefined;
}
/**
 * A resource transform that decrypts s5 tokens in every input of every resource (strings inside
 * objects and arrays, and inside Outputs once they resolve) and marks those inputs secret.
 * Running it twice changes nothing the second time: decrypted values hold no tokens.
 *
 * @example
 * new aws.rds.Instance("db", { password: "{{ s5:… }}" }, { transforms: [s5Transform()] });
 */
export declare function s5Transform(options?: TransformOptions): pulumi.ResourceTransform;
/**
 * Registers {@link s5Transform} for every resource created after this call in the stack — call
 * it at the top of the program.
 *
 * @example
 * import { registerS5Transform } from "@s5/pulumi";
 * registerS5Transform();
 */
export declare function registerS5Transform(options?: TransformOptions): void;
export type { ConfigOptions, Decryptor, SecretOptions, StubValues, TransformOptions };
