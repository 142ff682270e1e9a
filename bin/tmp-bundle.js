#!/usr/bin/env node
import { main } from "../dist/cli.bundle.tmp.js";
process.exitCode = await main(process.argv.slice(2));
