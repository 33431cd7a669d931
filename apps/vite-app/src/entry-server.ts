import config from "./config.generated.json";
import { publicKey } from "./public.generated.ts";
import { dbPassword, greeting } from "./secrets.generated.ts";

/** What the server renders with; the test checks the values arrived intact. */
export function render() {
  return { apiKey: config.apiKey, dbPassword, greeting, publicKey };
}
