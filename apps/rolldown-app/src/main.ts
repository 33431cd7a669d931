import config from "./config.generated.json";
import motd from "./motd.generated.txt";
import { dbPassword } from "./secrets.generated.ts";

console.log(JSON.stringify({ apiKey: config.apiKey, dbPassword, motd }));
