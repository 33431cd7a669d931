import { unplugin } from "./core/unplugin.ts";

/** The s5 plugin for webpack. @example plugins: [s5()] */
const plugin = unplugin.webpack;
export default plugin;
export { plugin as "module.exports" };
