/** The worker's code, bundled with core at build time (see tsdown.config.ts). */
declare module "s5:worker-source" {
  const source: string;
  export default source;
}
