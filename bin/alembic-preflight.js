#!/usr/bin/env node
// The CLI as one bundled module (scripts/bundle.mjs): start-up is paid on every deploy.
import { main } from '../dist/cli.bundle.js';

process.exitCode = await main(process.argv.slice(2));
