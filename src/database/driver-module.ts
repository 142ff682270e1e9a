/**
 * The Python module SQLAlchemy imports for a URL's scheme (its dialect's default driver where the
 * scheme names none), and the distribution that provides it, for a fix a person can paste. SQLite's
 * default, the standard library's sqlite3, is not listed: it is always there.
 */
export function driverModule(scheme: string): { module: string; distribution: string } | undefined {
  const [dialect, driver] = scheme.toLowerCase().split('+', 2) as [string, string | undefined];
  const family = dialect === 'postgres' ? 'postgresql' : dialect === 'mariadb' ? 'mysql' : dialect;
  return DRIVERS[`${family}+${driver ?? DEFAULTS[family] ?? ''}`];
}

/** Each dialect's default driver (SQLAlchemy 1.4 and 2.0). */
const DEFAULTS: Readonly<Record<string, string>> = {
  postgresql: 'psycopg2',
  mysql: 'mysqldb',
  sqlite: 'pysqlite',
};

const DRIVERS: Readonly<Record<string, { module: string; distribution: string }>> = {
  'postgresql+psycopg2': { module: 'psycopg2', distribution: 'psycopg2-binary' },
  'postgresql+psycopg2cffi': { module: 'psycopg2cffi', distribution: 'psycopg2cffi' },
  'postgresql+psycopg': { module: 'psycopg', distribution: 'psycopg[binary]' },
  'postgresql+pg8000': { module: 'pg8000', distribution: 'pg8000' },
  'postgresql+asyncpg': { module: 'asyncpg', distribution: 'asyncpg' },
  'mysql+mysqldb': { module: 'MySQLdb', distribution: 'mysqlclient' },
  'mysql+pymysql': { module: 'pymysql', distribution: 'PyMySQL' },
  'mysql+mysqlconnector': { module: 'mysql.connector', distribution: 'mysql-connector-python' },
  'mysql+mariadbconnector': { module: 'mariadb', distribution: 'mariadb' },
  'mysql+asyncmy': { module: 'asyncmy', distribution: 'asyncmy' },
  'mysql+aiomysql': { module: 'aiomysql', distribution: 'aiomysql' },
  'sqlite+aiosqlite': { module: 'aiosqlite', distribution: 'aiosqlite' },
  'sqlite+pysqlcipher': { module: 'sqlcipher3', distribution: 'sqlcipher3' },
};
