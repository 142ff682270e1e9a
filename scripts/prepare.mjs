// npm's `prepare`: runs after `npm install` in this repository and when npm
// installs the package from a git URL (with the devDependencies present), so
// an installed bin always has dist/ to run. `npm pack` and `npm publish` build
// in `prepack` already; building again there would only cost time.
import { execFileSync } from 'node:child_process';

if (process.env.npm_command !== 'pack' && process.env.npm_command !== 'publish') {
  execFileSync(
    process.env.npm_execpath ? process.execPath : 'npm',
    process.env.npm_execpath ? [process.env.npm_execpath, 'run', 'build'] : ['run', 'build'],
    { stdio: 'inherit' },
  );
}
await import('./link-self-bin.mjs');
