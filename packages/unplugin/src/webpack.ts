import { unplugin } from "./core/index.ts";

/** The s5 plugin for webpack. @example plugins: [s5()] */
const plugin = unplugin.webpack;
export default plugin;
export { plugin as "module.exports" };
