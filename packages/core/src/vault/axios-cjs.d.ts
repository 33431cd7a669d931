// axios's Node build, the file node-vault's `require("axios")` loads; its package exports the path
// but types only the package root.
declare module "axios/dist/node/axios.cjs" {
  import type { AxiosStatic } from "axios";

  const axios: AxiosStatic;
  export default axios;
}
