import { extra } from "./extra.generated.ts";
import { publicKey } from "./public.generated.ts";

const app = document.querySelector("#app");
if (app) app.textContent = `${publicKey} ${extra}`;

if (import.meta.hot) import.meta.hot.accept();
