import config from "./config.generated.json";
import { dbPassword, greeting } from "./secrets.generated.js";

// A service would connect with these; the test only checks they arrived intact.
console.log(JSON.stringify({ apiKey: config.apiKey, dbPassword, greeting }));
