import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The project's env.py made to load `.env` over the environment first (python-dotenv's
 * load_dotenv(override=True)), and that `.env` written: the app's code reaching for another database
 * than the one it was handed.
 */
export function loadDotenvFirst(root: string, dotenv: string): void {
  const envPy = path.join(root, 'migrations', 'env.py');
  writeFileSync(
    envPy,
    readFileSync(envPy, 'utf8').replace(
      'import os\n',
      'import os\nfrom dotenv import load_dotenv\n\nload_dotenv(".env", override=True)\n',
    ),
  );
  writeFileSync(path.join(root, '.env'), dotenv);
}
