// The CLI bundle's esbuild options, shared by the npm bundle (scripts/bundle.mjs) and the single
// executable the wheel carries (scripts/build-wheel.mjs).
import { createRequire } from 'node:module';
import path from 'node:path';

// yargs' ES module build takes cliui's ES module entry, which wraps help text in the middle of words; the
// CommonJS entry wraps at word boundaries (wrap-ansi). Node's require() resolution picks that one.
const require = createRequire(import.meta.url);
const cliuiCommonJs = {
  name: 'cliui-commonjs',
  setup(b) {
    b.onResolve({ filter: /^cliui$/ }, () => ({ path: require.resolve('cliui') }));
  },
};

// wrap-ansi builds ansi-styles' colour tables when it loads (about 14 ms of every run), and cliui only
// calls it to lay out help text: a stand-in loads it on its first call
const wrapAnsi = require.resolve('wrap-ansi', { paths: [require.resolve('cliui')] });
const lazyWrapAnsi = {
  name: 'lazy-wrap-ansi',
  setup(b) {
    b.onResolve({ filter: /^wrap-ansi$/ }, () => ({ path: 'wrap-ansi', namespace: 'lazy-wrap-ansi' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-wrap-ansi' }, () => ({
      contents: `module.exports = (...args) => require(${JSON.stringify(wrapAnsi)})(...args);`,
      loader: 'js',
      resolveDir: path.dirname(wrapAnsi),
    }));
  },
};

// yargs' platform shim takes notStrictEqual and strictEqual from node:assert (about 5 ms to load) for
// checks that pass on every run: a stand-in compares, and loads node:assert only to throw its error
const lazyAssert = {
  name: 'lazy-assert',
  setup(b) {
    b.onResolve({ filter: /^assert$/ }, (args) =>
      /[\\/]yargs[\\/]/u.test(args.importer) ? { path: 'assert', namespace: 'lazy-assert' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-assert' }, () => ({
      contents: [
        "exports.notStrictEqual = (actual, expected, message) => { if (Object.is(actual, expected)) require('node:assert').notStrictEqual(actual, expected, message); };",
        "exports.strictEqual = (actual, expected, message) => { if (!Object.is(actual, expected)) require('node:assert').strictEqual(actual, expected, message); };",
      ].join('\n'),
      loader: 'js',
    }));
  },
};

/** The packages loaded from node_modules when a command needs them, not bundled. */
// the YAML parser (heroku.yml, render.yaml) costs tens of milliseconds to load and most projects have
// no YAML: src/deploy/load-yaml.ts becomes a plain require('yaml') inside a function, which bundles the
// parser and evaluates it on its first call (load-yaml.ts itself uses createRequire, which no bundler sees)
const lazyYaml = {
  name: 'lazy-yaml',
  setup(b) {
    b.onResolve({ filter: /[\\/]load-yaml\.js$/ }, (args) =>
      /[\\/]deploy$/u.test(args.resolveDir) ? { path: 'load-yaml', namespace: 'lazy-yaml' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-yaml' }, () => ({
      contents: "exports.loadYaml = () => require('yaml');",
      loader: 'js',
      resolveDir: path.dirname(require.resolve('yaml/package.json')),
    }));
  },
};

// the Python grammar (@lezer/lr and its parse tables, about 20 ms to load) is needed only for files off
// the fast path and for the lints: an import of src/python/grammar/parser.js gets a stand-in whose
// `parser` requires the real module on first use. Its name is no path: no path of the building machine
// goes into the bundle
const lazyGrammar = {
  name: 'lazy-grammar',
  setup(b) {
    b.onResolve({ filter: /[\\/]grammar[\\/]parser\.js$/ }, (args) => ({
      path: 'python-grammar',
      namespace: 'lazy-grammar',
      pluginData: path.dirname(path.resolve(args.resolveDir, args.path)),
    }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-grammar' }, (args) => ({
      contents:
        "let grammar;\nObject.defineProperty(exports, 'parser', { enumerable: true, get: () => (grammar ??= require('./parser.js')).parser });",
      loader: 'js',
      resolveDir: args.pluginData,
    }));
  },
};

export const EXTERNAL = ['pg', 'mysql2', 'better-sqlite3', 'pino', 'libpg-query'];

/** The options of the CLI bundle: one CommonJS script, dynamic import() of the externals as require(). */
export const CLI_BUNDLE = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  external: EXTERNAL,
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': '__preflightUrl' },
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [cliuiCommonJs, lazyWrapAnsi, lazyAssert, lazyYaml, lazyGrammar],
};

/** A bundle's entry that runs the CLI on argv and sets the exit code (the Action's script). */
export function mainEntry(resolveDir, sourcefile) {
  return {
    contents:
      "import { main } from './dist/cli.js';\nmain(process.argv.slice(2)).then((code) => { process.exitCode = code; });\n",
    resolveDir,
    loader: 'js',
    sourcefile,
  };
}
