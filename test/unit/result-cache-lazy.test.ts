import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { diskResultCache } from '../../src/project/result-cache.js';

const secret = Buffer.alloc(32, 7);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function cacheDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'preflight-lazy-cache-'));
  dirs.push(dir);
  return dir;
}

describe('the result cache file', () => {
  it('is read on the first question, not when the cache is opened', () => {
    const dir = cacheDir();
    const scriptDir = path.join(dir, 'migrations');
    const first = diskResultCache(dir, scriptDir, 'build', secret);
    first.set('d1', { answer: 'first' });
    expect(first.save()).toBeTruthy();
    // opened now, asked only after another run has rewritten the file
    const opened = diskResultCache(dir, scriptDir, 'build', secret);
    const other = diskResultCache(dir, scriptDir, 'build', secret);
    other.set('d1', { answer: 'second' });
    expect(other.save()).toBeTruthy();
    expect(opened.get('d1')).toEqual({ answer: 'second' });
  });

  it('is neither read nor written by a run that asks nothing and adds nothing', () => {
    const dir = cacheDir();
    const scriptDir = path.join(dir, 'migrations');
    expect(diskResultCache(dir, scriptDir, 'build', secret).save()).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });
});
