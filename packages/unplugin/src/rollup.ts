import { unplugin } from "./core/unplugin.ts";

/** The s5 plugin for rollup. @example plugins: [s5()] */
const plugin = unplugin.rollup;
export default plugin;
export { plugin as "module.exports" };
