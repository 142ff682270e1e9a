import { chmodSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleAlembic, exampleCopy } from '../helpers/example-db.js';
import { runCli } from '../helpers/cli.js';
import { startMariadb, MARIA_PASSWORD, type MariaServer } from '../helpers/mariadb-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { selfSignedCertificate } from '../helpers/self-signed.js';

// TLS as SQLAlchemy's ssl_ options ask PyMySQL for it, on a MariaDB server with a self-signed
// certificate: verify verifies what PyMySQL verifies, and fails where real Alembic fails.
describe('TLS to MariaDB (ssl_ca, ssl_check_hostname)', () => {
  let maria: MariaServer;
  let crt: string;
  let other: string;
  beforeAll(async () => {
    const dir = tempDir('preflight-maria-tls-');
    const server = selfSignedCertificate(dir, 'server');
    chmodSync(server.key, 0o644);
    crt = server.crt;
    other = selfSignedCertificate(dir, 'other').crt;
    maria = await startMariadb([`--ssl-cert=${crt}`, `--ssl-key=${server.key}`]);
    maria.exec('CREATE DATABASE tls');
  }, 60_000);
  afterAll(async () => {
    await maria?.stop();
  });

  const url = (host: string, query: string): string =>
    `mysql+pymysql://preflight:${encodeURIComponent(MARIA_PASSWORD)}@${host}:${maria.port}/tls${query}`;
  const verify = (u: string) =>
    runCli(exampleCopy(), ['verify', '--format', 'json', '--connect-retries', '0'], {
      DATABASE_URL: u,
      ALEMBIC_PREFLIGHT_CACHE: 'off',
    });
  const tlsOf = (stdout: string): unknown =>
    (JSON.parse(stdout) as { database: { tls: unknown } }).database.tls;

  it('ssl_ca with the server named as its certificate names it: encrypted and verified, as real Alembic connects', () => {
    const u = url('localhost', `?ssl_ca=${crt}`);
    const r = verify(u);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(tlsOf(r.stdout)).toEqual({ mode: 'verify-full', encrypted: true, verified: true });
    expect(exampleAlembic(exampleCopy(), u, 'current').status).toBe(0);
  }, 60_000);

  it('ssl_check_hostname=false: the certificate is verified, not the name', () => {
    const r = verify(url('127.0.0.1', `?ssl_ca=${crt}&ssl_check_hostname=false`));
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(tlsOf(r.stdout)).toEqual({ mode: 'verify-ca', encrypted: true, verified: true });
  }, 60_000);

  it('a CA that did not sign the certificate: verify stops on TLS (exit 3), as real Alembic fails', () => {
    const u = url('localhost', `?ssl_ca=${other}`);
    const r = verify(u);
    expect(r.status, r.stdout + r.stderr).toBe(3);
    expect(r.stdout + r.stderr).toMatch(/TLS failed \(verify-full/u);
    expect(r.stdout + r.stderr).not.toContain(MARIA_PASSWORD);
    expect(exampleAlembic(exampleCopy(), u, 'current').status).not.toBe(0);
  }, 60_000);

  it('no ssl_ option: TLS off, as PyMySQL connects', () => {
    const r = verify(url('127.0.0.1', ''));
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(tlsOf(r.stdout)).toEqual({ mode: 'disabled', encrypted: false, verified: false });
  }, 60_000);
});
