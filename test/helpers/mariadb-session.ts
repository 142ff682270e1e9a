import { spawn } from 'node:child_process';
import type { MariaServer } from './mariadb-server.js';

/** Another client's session, kept open: its thread id, and how to end it. */
export interface OpenSession {
  readonly thread: number;
  end(): Promise<void>;
}

/**
 * A mariadb client as root that runs `sql` (a transaction it leaves open, say) and then waits for more
 * input: its session stays idle in that transaction until `end()`.
 */
export async function openSession(maria: MariaServer, sql: string): Promise<OpenSession> {
  const child = spawn('mariadb', ['--no-defaults', '-S', maria.socket, '-uroot', '-N', '-B', '-n'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin.write(`SELECT CONNECTION_ID(); ${sql}\nSELECT 'ready';\n`);
  for (let i = 0; i < 200 && !out.includes('ready'); i++) await new Promise((r) => setTimeout(r, 25));
  if (!out.includes('ready')) throw new Error(`the session did not start: ${out}`);
  const thread = Number(out.split('\n')[0]);
  return {
    thread,
    end: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin.end('ROLLBACK;\n');
      await exited;
    },
  };
}
