import { unplugin } from "./core/unplugin.ts";

/** The s5 plugin for vite. @example plugins: [s5()] */
const plugin = unplugin.vite;
export default plugin;
export { plugin as "module.exports" };
