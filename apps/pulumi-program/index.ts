// A Pulumi program whose secrets live in its stack config as s5 tokens (Pulumi.<stack>.yaml):
//
//   config:
//     s5-demo:dbHost: db.internal
//     s5-demo:dbPassword: "{{ s5:local:AbCdEfGh:… }}"
//     s5-demo:settings:
//       apiKey: "{{ s5:local:AbCdEfGh:… }}"
//       timeoutSeconds: 30
//     s5-demo:apiKeyToken: "{{ s5:local:AbCdEfGh:… }}"
//
// It needs no cloud provider: a component resource and stack outputs only.
import * as pulumi from "@pulumi/pulumi";
import { Config, registerS5Transform, secret } from "@s5/pulumi";

// Any token left in any resource input (`apiKeyToken` below) is decrypted and made secret
// before the engine sees it, so the state holds it only as a Pulumi secret.
registerS5Transform();

interface DatabaseArgs {
  host: pulumi.Input<string>;
  password: pulumi.Input<string>;
  apiKeyToken: pulumi.Input<string>;
}

/** Stands in for a real database resource: it only builds a connection string. */
class Database extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("s5demo:index:Database", name, args, opts);
    this.url = pulumi.interpolate`postgres://app:${args.password}@${args.host}:5432/app`;
    this.registerOutputs({ url: this.url });
  }
}

const config = new Config();
// Decrypted, and secret, because the value holds a token.
const password = config.requireSecret("dbPassword");
// Tokens deep inside a structured value are decrypted too; the whole object becomes secret.
const settings = config.requireObject<{ apiKey: string; timeoutSeconds: number }>("settings");

const db = new Database("db", {
  host: config.require("dbHost"),
  password,
  // The raw token, as plain `pulumi.Config` returns it: the stack transform decrypts it.
  apiKeyToken: new pulumi.Config().require("apiKeyToken"),
});

export const dbHost = config.require("dbHost");
export const dbUrl = db.url;
export const apiKey = pulumi.output(settings).apply((value) => value.apiKey);
export const timeoutSeconds = pulumi.output(settings).apply((value) => value.timeoutSeconds);
export const passwordLength = password.apply((value) => value.length);
export const banner = secret(pulumi.interpolate`connecting to ${dbHost} as app`);
