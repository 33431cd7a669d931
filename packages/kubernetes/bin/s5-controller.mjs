#!/usr/bin/env node
import { main } from "../dist/main.mjs";

process.exit(await main());
