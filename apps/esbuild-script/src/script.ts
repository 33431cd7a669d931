import config from "./config.generated.json";
import motd from "./motd.generated.txt";
import { dbPassword, greeting } from "./secrets.generated.ts";

console.log(JSON.stringify({ apiKey: config.apiKey, dbPassword, greeting, motd }));
