import { unplugin } from "./core/unplugin.ts";

/** The s5 plugin for esbuild. @example plugins: [s5()] */
const plugin = unplugin.esbuild;
export default plugin;
export { plugin as "module.exports" };
