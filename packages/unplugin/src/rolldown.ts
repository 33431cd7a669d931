import { unplugin } from "./core/unplugin.ts";

/** The s5 plugin for rolldown. @example plugins: [s5()] */
const plugin = unplugin.rolldown;
export default plugin;
export { plugin as "module.exports" };
