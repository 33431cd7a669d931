/**
 * `import "s5/config"` (also `require("s5/config")`, `node --import s5/config`, `node -r s5/config`):
 * decrypts `.env` files and `process.env` before the application's next import runs. The
 * implementation lives in @s5/loader.
 */
import "@s5/loader/config";
