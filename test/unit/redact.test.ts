import { describe, expect, it } from 'vitest';
import { redactDeep, redactSecrets } from '../../src/errors/redact.js';

// passwords legal in a URL's userinfo as people type them, unencoded
const AWKWARD = [
  "LeakMe'x",
  'Le"ak',
  'back`tick',
  'two words',
  'p@ss',
  'a:b',
  'sl/ash',
  '100%',
  'ha#sh',
  'pässwörd',
  '密码',
];

describe('redactSecrets hides a password by where it stands, not by how it is spelled', () => {
  it("a URL's password, whatever it holds, and nothing else of the URL", () => {
    for (const pw of AWKWARD) {
      const text = `Unknown argument: postgres://admin:${pw}@db.example.com:5432/prod`;
      const out = redactSecrets(text);
      expect(out, pw).toBe('Unknown argument: postgres://admin:***@db.example.com:5432/prod');
    }
    // and encoded, with a driver in the scheme, inside quotes, in an env assignment
    expect(redactSecrets("running alembic -x 'dburl=postgresql+psycopg2://u:p%40ss@h/db' upgrade head")).toBe(
      "running alembic -x 'dburl=postgresql+psycopg2://u:***@h/db' upgrade head",
    );
    expect(redactSecrets('DATABASE_URL=postgres://u:secret@h:5432/d flask db upgrade')).toBe(
      'DATABASE_URL=postgres://u:***@h:5432/d flask db upgrade',
    );
    expect(redactSecrets('postgres://:onlypw@h/db')).toBe('postgres://:***@h/db');
  });

  it('two URLs on a line are each redacted, and a URL without a password is left alone', () => {
    expect(redactSecrets('from postgres://a:x@h1/d1 to postgres://b:y@h2/d2')).toBe(
      'from postgres://a:***@h1/d1 to postgres://b:***@h2/d2',
    );
    for (const plain of [
      'postgresql://db.example.com:5432/prod',
      'postgresql://user@host/db',
      'sqlite:///app.db',
      'see https://example.com/docs#x',
    ]) {
      expect(redactSecrets(plain)).toBe(plain);
    }
  });

  it('key=value pairs and assignments whose key names a secret', () => {
    expect(redactSecrets('host=h port=5432 password=hunter2 dbname=d')).toBe(
      'host=h port=5432 password=*** dbname=d',
    );
    expect(redactSecrets("password = 'two words' user=u")).toBe('password = *** user=u');
    expect(redactSecrets('PGPASSWORD=abc alembic upgrade head')).toBe('PGPASSWORD=*** alembic upgrade head');
    expect(redactSecrets('export DB_PASS="x y"; AUTH_TOKEN=t0k API_KEY=k')).toBe(
      'export DB_PASS=***; AUTH_TOKEN=*** API_KEY=***',
    );
    expect(redactSecrets('postgresql://h/db?sslmode=require&password=pw&x=1')).toBe(
      'postgresql://h/db?sslmode=require&password=***&x=1',
    );
    expect(redactSecrets('--password=pw')).toBe('--password=***');
  });

  it('a secret runs to the next blank or closing quote, every separator inside it hidden', () => {
    // a password may hold any of these: none of what follows it in the word may show
    for (const sep of ['&', ';', '|', ',', '#', '?', '=', '@', ':', '/', '\\', '(', ')', '<', '>', '$']) {
      const secret = `hunter2${sep}TopSecretTail`;
      for (const key of ['password', 'PGPASSWORD', 'DB_PASS', '--password']) {
        for (const [open, close] of [
          ['', ''],
          ["'", "'"],
          ['"', '"'],
          ['`', '`'],
          ["-x 'dsn=host=h ", "'"],
          ['-x "dsn=host=h ', '"'],
        ]) {
          const line = `${open}${key}=${secret}${close} alembic upgrade head`;
          const out = redactSecrets(line);
          expect(out, line).not.toContain('hunter2');
          expect(out, line).not.toContain('TopSecretTail');
          expect(out, line).toContain(' alembic upgrade head');
        }
      }
      // a quoted value keeps what follows its closing quote
      expect(redactSecrets(`password='${secret}';echo ok`), sep).toBe('password=***;echo ok');
    }
    // in a URL's query a parameter ends at the next & (the query's grammar), and the rest stays
    expect(redactSecrets('postgresql://h/db?password=pw&sslmode=require#frag')).toBe(
      'postgresql://h/db?password=***&sslmode=require#frag',
    );
    expect(redactSecrets('url="postgresql://h/db?sslmode=require&password=p;w|x" next')).toBe(
      'url="postgresql://h/db?sslmode=require&password=***" next',
    );
  });

  it('leaves every other character alone: a password that is an ordinary word changes nothing', () => {
    const messages = [
      "The database 'nodb' does not exist on 127.0.0.1:5739.",
      "Authentication failed as user 'postgres' on 127.0.0.1:5432/postgres.",
      'sqlalchemy.url = driver://user:pass-word-less',
      'a = b, c == d',
    ];
    for (const m of messages) expect(redactSecrets(m)).toBe(m);
  });

  it('is idempotent, and works line by line', () => {
    const once = redactSecrets('postgres://u:p@h/d\npassword=x\nplain');
    expect(once).toBe('postgres://u:***@h/d\npassword=***\nplain');
    expect(redactSecrets(once)).toBe(once);
  });

  it('redactDeep keeps objects that hold no secret, and redacts every string of one that does', () => {
    const clean = { a: ['x', { b: 'y' }], n: 1 };
    expect(redactDeep(clean)).toBe(clean);
    expect(redactDeep({ cmd: ['alembic', '-x', 'url=postgres://u:p@h/d'], n: 1 })).toEqual({
      cmd: ['alembic', '-x', 'url=postgres://u:***@h/d'],
      n: 1,
    });
  });
});
