// Bundles the CLI into one CommonJS script, dist/cli.bundle.cjs, which the bin
// runs through dist/cli-loader.js with a V8 code cache.
//
// Why: resolving, reading and compiling ~110 small modules (ours and yargs')
// is a third of the start-up of every run, and the tool runs in every deploy.
// One file removes the module-loader work; lazily imported modules stay lazy
// (esbuild wraps them and evaluates them on first import). CommonJS, because
// Node caches the compiled code of a vm.Script, not of an ES module;
// dynamic import() of the external packages becomes require() for the same
// reason. The database drivers, the Python grammar and pino stay separate
// packages, loaded only when a command needs them. The library entry
// (dist/index.js) is not bundled.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { CLI_BUNDLE } from './bundle-options.mjs';

await build({
  ...CLI_BUNDLE,
  entryPoints: ['dist/cli.js'],
  outfile: 'dist/cli.bundle.cjs',
  banner: { js: "const __preflightUrl = require('node:url').pathToFileURL(__filename).href;" },
  sourcemap: 'linked',
});

// the loader as CommonJS for the bin (bin/package.json makes it CommonJS): Node starts a CommonJS
// entry about 9 ms sooner than an ES module one, on every run; dist/cli-loader.js stays for importers
await build({
  entryPoints: ['dist/cli-loader.js'],
  outfile: 'dist/cli-loader.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  define: { 'import.meta.url': '__preflightUrl' },
  banner: { js: "const __preflightUrl = require('node:url').pathToFileURL(__filename).href;" },
  legalComments: 'none',
  logLevel: 'warning',
});

// the code cache's key for this bundle, so that a run reads it instead of hashing a megabyte (src/cli-loader.ts)
const source = readFileSync('dist/cli.bundle.cjs', 'utf8');
writeFileSync(
  'dist/cli.bundle.cjs.key',
  `${createHash('sha1').update(source).digest('hex').slice(0, 16)} ${source.length}\n`,
);
