export { formsOf } from "./core/leaks.ts";
export type { Options } from "./core/options.ts";
export {
  TOKEN_HINT,
  type TransformOutput,
  unplugin,
  unplugin as default,
  unpluginFactory,
} from "./core/unplugin.ts";
