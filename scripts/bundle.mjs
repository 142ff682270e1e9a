// Bundles the CLI into one CommonJS script, dist/cli.bundle.cjs, which the bin
// runs through dist/cli-loader.cjs with Node's compile cache.
//
// Why: resolving, reading and compiling ~110 small modules (ours and yargs')
// is a third of the start-up of every run, and the tool runs in every deploy.
// One file removes the module-loader work; lazily imported modules stay lazy
// (esbuild wraps them and evaluates them on first import). CommonJS, because
// Node starts a CommonJS script sooner than an ES module; dynamic import() of
// the external packages becomes require() for the same reason. The database
// drivers and pino stay separate packages, loaded only when a command needs
// them. The library entry (dist/index.js) is not bundled.
//
// Whitespace and comments go (2.4 MB to 1.8 MB), and the bundle must be ASCII:
// Node reads and V8 scans the whole file on every run, and one character past
// ASCII makes it a two-byte string. Together about 25 ms of an empty project's
// run. Names stay, so a stack trace (ALEMBIC_PREFLIGHT_DEBUG) still says where.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { CLI_BUNDLE } from './bundle-options.mjs';

await build({
  ...CLI_BUNDLE,
  entryPoints: ['dist/cli.js'],
  outfile: 'dist/cli.bundle.cjs',
  minifyWhitespace: true,
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

// the bundle's key for the result cache, so that a run reads it instead of hashing 1.8 MB (src/cli-loader.ts)
const source = readFileSync('dist/cli.bundle.cjs');
const wide = source.findIndex((byte) => byte > 0x7f);
if (wide >= 0) {
  const line = source.subarray(0, wide).toString('latin1').split('\n').length;
  throw new Error(
    `dist/cli.bundle.cjs has a character past ASCII on line ${line}: write it as an escape in the source`,
  );
}
writeFileSync(
  'dist/cli.bundle.cjs.key',
  `${createHash('sha1').update(source).digest('hex').slice(0, 16)} ${source.length}\n`,
);
