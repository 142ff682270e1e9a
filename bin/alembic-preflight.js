#!/usr/bin/env node
// The CLI as one bundled script, loaded with a code cache (dist/cli-loader.cjs): start-up is paid on every
// deploy, so this entry is CommonJS (bin/package.json), which Node starts sooner than an ES module.
'use strict';
const { runBundledCli } = require('../dist/cli-loader.cjs');

runBundledCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
