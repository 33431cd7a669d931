import config from "./config.generated.json";
import { dbPassword, greeting } from "./secrets.generated.js";

/** The library's configuration, with secrets resolved at build time. */
export function settings() {
  return { apiKey: config.apiKey, region: config.region, dbPassword, greeting };
}
