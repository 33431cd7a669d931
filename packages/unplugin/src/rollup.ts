import { unplugin } from "./core/index.ts";

/** The s5 plugin for rollup. @example plugins: [s5()] */
const plugin = unplugin.rollup;
export default plugin;
export { plugin as "module.exports" };
