/**
 * The `s5` package: the command-line tool, and the core API for programs
 * (`import { renderSources, createBackends, resolveSettings } from "s5"`).
 */
export * from "@s5/core";
