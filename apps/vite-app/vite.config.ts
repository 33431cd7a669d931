import s5 from "@s5/unplugin/vite";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [s5({ allowClient: ["src/public.generated.ts"] })],
  build: { sourcemap: true },
});
