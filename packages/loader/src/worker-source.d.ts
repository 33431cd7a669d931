/** The worker's code, bundled with core at build time (see tsdown.config.ts). */
declare module "s5:worker-source" {
  const source: string;
  export default source;
  /** A hash of the code, naming its cache file. */
  export const hash: string;
}
