export { Config, type ConfigOptions } from "./config.ts";
export {
  type Decryptor,
  getDecryptor,
  type StubValues,
  s5Decryptor,
  setDecryptor,
  stubDecryptor,
} from "./decryptor.ts";
export { hasTokens } from "./render.ts";
export { type SecretOptions, secret } from "./secret.ts";
export { registerS5Transform, s5Transform, type TransformOptions } from "./transform.ts";
