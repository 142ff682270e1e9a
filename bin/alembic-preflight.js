#!/usr/bin/env node
// The CLI as one bundled script, loaded with a code cache (dist/cli-loader.js): start-up is paid on every deploy.
import { runBundledCli } from '../dist/cli-loader.js';

process.exitCode = await runBundledCli(process.argv.slice(2));
