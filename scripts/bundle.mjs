// Bundles the CLI into one ES module, dist/cli.bundle.js, which the bin runs.
//
// Why: resolving, reading and compiling ~110 small modules (ours and yargs')
// is a third of the start-up of every run, and the tool runs in every deploy.
// One file removes the module-loader work; lazily imported modules stay lazy
// (esbuild wraps them and evaluates them on first import). The database
// drivers, the Python grammar and pino stay separate packages, loaded only
// when a command needs them. The library entry (dist/index.js) is not bundled.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli.js'],
  outfile: 'dist/cli.bundle.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['pg', 'better-sqlite3', '@lezer/python', '@lezer/common', 'pino'],
  // yargs' CommonJS helpers call require(); give the ES module one
  banner: { js: "import { createRequire as __preflightRequire } from 'node:module'; const require = __preflightRequire(import.meta.url);" },
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
