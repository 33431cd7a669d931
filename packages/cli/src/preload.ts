/**
 * `node --import s5/preload app.js`: `s5/config` for Node's `--import`, decrypting without a
 * worker thread (see @s5/loader/preload). Imported any other way it acts as `s5/config`.
 */
import "@s5/loader/preload";
