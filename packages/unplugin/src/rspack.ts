import { unplugin } from "./core/unplugin.ts";

/** The s5 plugin for rspack. @example plugins: [s5()] */
const plugin = unplugin.rspack;
export default plugin;
export { plugin as "module.exports" };
