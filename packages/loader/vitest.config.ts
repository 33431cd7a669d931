import { packageTests } from "../../vitest.shared.ts";

export default packageTests("loader", { testTimeout: 60_000 });
