import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diskFiles, walkFiles } from '../../src/project/project-files.js';
import { memoryFiles } from '../helpers/memory-files.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('ProjectFiles', () => {
  it('walkFiles lists files in listing order, skips environments and caches, and stops at the limit', () => {
    const files = memoryFiles({
      '/p/Procfile': 'release: x',
      '/p/bin/release.sh': 'alembic upgrade head',
      '/p/node_modules/x/Procfile': 'release: y',
      '/p/.venv/lib/a.py': '',
      '/p/migrations/versions/a1.py': '',
    });
    expect(walkFiles(files, '/p')).toEqual(['Procfile', 'bin/release.sh', 'migrations/versions/a1.py']);
    expect(walkFiles(files, '/p', new Set(['/p/migrations']))).toEqual(['Procfile', 'bin/release.sh']);
    expect(walkFiles(files, '/p', new Set(), 2)).toEqual(['Procfile', 'bin/release.sh']);
  });

  it('diskFiles reads each file once in a run, and answers undefined where the disk cannot', () => {
    const dir = tempDir('project-files-');
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'Procfile'), 'release: one');
    const files = diskFiles();
    expect(files.text(path.join(dir, 'Procfile'))).toBe('release: one');
    // a second ask in the same run is the first read: the rules of one run see one state of the file
    writeFileSync(path.join(dir, 'Procfile'), 'release: two');
    expect(files.text(path.join(dir, 'Procfile'))).toBe('release: one');
    expect(diskFiles().text(path.join(dir, 'Procfile'))).toBe('release: two');
    expect(files.text(path.join(dir, 'missing'))).toBeUndefined();
    expect(files.text(path.join(dir, 'sub'))).toBeUndefined();
    expect(files.exists(path.join(dir, 'sub'))).toBe(true);
    expect(files.size(path.join(dir, 'Procfile'))).toBe('release: two'.length);
    expect(files.entries(path.join(dir, 'missing'))).toBeUndefined();
    expect(
      files
        .entries(dir)
        ?.map((e) => [e.name, e.dir, e.file])
        .sort(),
    ).toEqual([
      ['Procfile', false, true],
      ['sub', true, false],
    ]);
  });
});
