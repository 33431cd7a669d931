import * as pulumi from "@pulumi/pulumi";
import { type Decryptor, getDecryptor } from "./decryptor.ts";
import { mapTokenStrings, renderDeep } from "./render.ts";
import { secret } from "./secret.ts";

export interface TransformOptions {
  /**
   * Decrypts the tokens; tests pass a {@link stubDecryptor}.
   * @default the decryptor set with `setDecryptor()`, else s5's own settings
   */
  decryptor?: Decryptor | undefined;
}

/**
 * Replaces tokens at any depth; values that held tokens become secret Outputs. Returns
 * `undefined` when nothing changed (nothing is copied then).
 */
function resolveInputs(value: unknown, name: string, decryptor: () => Decryptor): unknown {
  return mapTokenStrings(
    value,
    name,
    (text, path) => secret(text, { name: path, decryptor: decryptor() }),
    (item, path) => {
      if (!pulumi.Output.isInstance(item) && !(item instanceof Promise)) return undefined;
      // Known only once resolved: look inside then, and mark the result secret if it held tokens.
      const resolved = pulumi.output(item).apply(async (inner: unknown) => {
        const plain = await renderDeep(inner, path, decryptor());
        return plain === undefined ? inner : pulumi.secret(plain);
      });
      return { value: resolved };
    },
  );
}

/**
 * A resource transform that decrypts s5 tokens in every input of every resource (strings inside
 * objects and arrays, and inside Outputs once they resolve) and marks those inputs secret.
 * Running it twice changes nothing the second time: decrypted values hold no tokens.
 *
 * @example
 * new aws.rds.Instance("db", { password: "{{ s5:… }}" }, { transforms: [s5Transform()] });
 */
export function s5Transform(options: TransformOptions = {}): pulumi.ResourceTransform {
  const decryptor = () => options.decryptor ?? getDecryptor();
  return (args) => {
    const props = resolveInputs(args.props, args.name, decryptor);
    if (props === undefined) return undefined;
    return { props: props as pulumi.Inputs, opts: args.opts };
  };
}

/**
 * Registers {@link s5Transform} for every resource created after this call in the stack — call
 * it at the top of the program.
 *
 * @example
 * import { registerS5Transform } from "@s5/pulumi";
 * registerS5Transform();
 */
export function registerS5Transform(options: TransformOptions = {}): void {
  pulumi.runtime.registerResourceTransform(s5Transform(options));
}
