/**
 * The engine (src/engine.ts with core), bundled at build time into one string (see
 * tsdown.config.ts): one function expression of `(require, module, exports, __s5Meta)`.
 */
declare module "s5:engine-source" {
  const source: string;
  export default source;
  /** A hash of the code, naming its cache files. */
  export const hash: string;
}
