import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fleetCommand } from '../../src/commands/fleet/fleet-command.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

/** A fake alembic-preflight on PATH that prints its arguments: what a planned job really runs. */
function echoing(): string {
  const bin = path.join(tempDir('preflight-fleet-bin-'), 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'alembic-preflight'), '#!/bin/sh\nprintf "%s\\n" "$@"\n');
  chmodSync(path.join(bin, 'alembic-preflight'), 0o755);
  return bin;
}

describe('fleet plan', () => {
  it('github-matrix: one job per shard within the 256-job limit, each running its own shard', () => {
    const out = fleetCommand({
      action: 'plan',
      cwd: '/',
      format: 'github-matrix',
      shards: 4,
      tenants: 'tenant_*',
    });
    const matrix = JSON.parse(out.stdout) as { include: { shard: string; command: string }[] };
    expect(matrix.include.map((j) => j.shard)).toEqual(['1/4', '2/4', '3/4', '4/4']);
    const ran = spawnSync('sh', ['-c', matrix.include[2]!.command], {
      encoding: 'utf8',
      env: { PATH: `${echoing()}:/usr/bin:/bin` },
    });
    expect(ran.stdout.split('\n')).toEqual([
      'verify',
      '--tenants',
      'tenant_*',
      '--shard',
      '3/4',
      '--format',
      'json',
      '',
    ]);
    expect(
      JSON.parse(
        fleetCommand({ action: 'plan', cwd: '/', format: 'github-matrix', shards: 256, tenants: 't*' })
          .stdout,
      ).include,
    ).toHaveLength(256);
    expect(() =>
      fleetCommand({ action: 'plan', cwd: '/', format: 'github-matrix', shards: 257, tenants: 't*' }),
    ).toThrow('GitHub Actions runs at most 256 jobs from one matrix, and 257 shards were asked for.');
  });

  it('k8s-indexed-job: a batch/v1 Job in Indexed mode whose pods take their shard from JOB_COMPLETION_INDEX', () => {
    const yaml = runCli(tempDir('preflight-fleet-'), [
      'fleet',
      'plan',
      '--tenants',
      "it's_*",
      '--shards',
      '40',
      '--format',
      'k8s-indexed-job',
      '--image',
      'registry/app:v42',
      '--parallelism',
      '10',
    ]);
    expect(yaml.status, yaml.stderr).toBe(0);
    const job = parse(yaml.stdout) as {
      apiVersion: string;
      kind: string;
      spec: {
        completionMode: string;
        completions: number;
        parallelism: number;
        template: {
          spec: {
            restartPolicy: string;
            containers: {
              image: string;
              command: string[];
              env: { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } }[];
            }[];
          };
        };
      };
    };
    expect([
      job.apiVersion,
      job.kind,
      job.spec.completionMode,
      job.spec.completions,
      job.spec.parallelism,
    ]).toEqual(['batch/v1', 'Job', 'Indexed', 40, 10]);
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0]!.image).toBe('registry/app:v42');
    expect(pod.containers[0]!.env[0]).toEqual({
      name: 'DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'database', key: 'DATABASE_URL' } },
    });
    // the pod of completion index 0 reads shard 1/40, with the pattern as written (a quote in it too)
    const [sh, flag, script] = pod.containers[0]!.command;
    const ran = spawnSync(sh!, [flag!, script!], {
      encoding: 'utf8',
      env: { PATH: `${echoing()}:/usr/bin:/bin`, JOB_COMPLETION_INDEX: '0' },
    });
    expect(ran.stdout.split('\n')).toEqual([
      'verify',
      '--tenants',
      "it's_*",
      '--shard',
      '1/40',
      '--format',
      'json',
      '',
    ]);
  });

  it('--databases: each job slices the list, and the pods get every key of the Secret as a variable the list may name', () => {
    const matrix = JSON.parse(
      fleetCommand({
        action: 'plan',
        cwd: '/',
        format: 'github-matrix',
        shards: 4,
        databases: 'our tenants.txt',
      }).stdout,
    ) as { include: { shard: string; command: string }[] };
    const ran = spawnSync('sh', ['-c', matrix.include[3]!.command], {
      encoding: 'utf8',
      env: { PATH: `${echoing()}:/usr/bin:/bin` },
    });
    expect(ran.stdout.split('\n')).toEqual([
      'verify',
      '--databases',
      'our tenants.txt',
      '--shard',
      '4/4',
      '--format',
      'json',
      '',
    ]);
    const yaml = runCli(tempDir('preflight-fleet-'), [
      'fleet',
      'plan',
      '--databases',
      'tenants.txt',
      '--shards',
      '3',
      '--format',
      'k8s-indexed-job',
      '--secret',
      'tenant-urls',
    ]);
    expect(yaml.status, yaml.stderr).toBe(0);
    const container = (
      parse(yaml.stdout) as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } }
    ).spec.template.spec.containers[0]!;
    expect(container.envFrom).toEqual([{ secretRef: { name: 'tenant-urls' } }]);
    expect(container.env).toBeUndefined();
    const [sh, flag, script] = container.command as string[];
    const pod = spawnSync(sh!, [flag!, script!], {
      encoding: 'utf8',
      env: { PATH: `${echoing()}:/usr/bin:/bin`, JOB_COMPLETION_INDEX: '2' },
    });
    expect(pod.stdout.split('\n')).toEqual([
      'verify',
      '--databases',
      'tenants.txt',
      '--shard',
      '3/3',
      '--format',
      'json',
      '',
    ]);
  });

  it('says what is missing', () => {
    expect(() => fleetCommand({ action: 'plan', cwd: '/', format: 'github-matrix', tenants: 't*' })).toThrow(
      'fleet plan needs --shards N',
    );
    expect(() =>
      fleetCommand({ action: 'plan', cwd: '/', format: 'text', shards: 2, tenants: 't*' }),
    ).toThrow('fleet plan writes --format github-matrix or k8s-indexed-job, not text.');
    expect(() => fleetCommand({ action: 'plan', cwd: '/', format: 'github-matrix', shards: 2 })).toThrow(
      'fleet plan needs one of --tenants',
    );
    expect(() =>
      fleetCommand({
        action: 'plan',
        cwd: '/',
        format: 'github-matrix',
        shards: 2,
        tenants: 't*',
        databases: 'd.txt',
      }),
    ).toThrow('fleet plan needs one of --tenants');
  });
});
