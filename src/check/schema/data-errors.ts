import type { VersionTableState } from '../../database/version-table.js';
import type { DataProbe } from '../../database/data-probe.js';

/** Stands for every row value in a quoted error: the report never repeats production's values. */
const VALUE = '…';

/**
 * The error Alembic prints when the rows make the step fail, in the database's and the driver's own
 * words (psycopg2, PyMySQL or mysqlclient, sqlite3), each row value shown as `…`; undefined where the
 * words are not known (another driver), so that no quote is a wrong one. A cast quotes the error the
 * probe itself met (`server`, its values already `…`).
 */
export function dataError(
  p: DataProbe,
  state: Pick<VersionTableState, 'dialect' | 'mysql'>,
  server?: { readonly code: string; readonly message: string },
): string | undefined {
  const driver = state.mysql?.driver;
  const module =
    driver === 'mysqldb' ? 'MySQLdb._exceptions' : driver === 'pymysql' ? 'pymysql.err' : undefined;
  if (p.kind === 'inserted-keys') return server ? insertError(state.dialect, module, server) : undefined;
  if (state.dialect === 'postgresql') return p.kind === 'cast' ? castError(server) : pgError(p);
  if (state.dialect === 'sqlite') return sqliteError(p);
  if (module && p.kind === 'check-auto-increment') {
    const [n, text] =
      state.mysql?.flavor === 'MariaDB'
        ? [
            1901,
            `Function or expression 'AUTO_INCREMENT' cannot be used in the CHECK clause of \`${p.columns[0]}\``,
          ]
        : [3818, `Check constraint '${p.name ?? VALUE}' cannot refer to an auto-increment column.`];
    return `sqlalchemy.exc.OperationalError: (${module}.OperationalError) (${n}, "${text}")`;
  }
  if (module && p.kind === 'convert') return server ? mysqlConvertError(module, server) : undefined;
  return module ? mysqlError(p, module, state.mysql?.flavor === 'MariaDB') : undefined;
}

function pgError(p: DataProbe): string | undefined {
  const e = (cls: string, text: string): string =>
    `sqlalchemy.exc.IntegrityError: (psycopg2.errors.${cls}) ${text}`;
  const name = p.name ?? VALUE;
  switch (p.kind) {
    case 'not-null':
    case 'rows-exist':
      return e('NotNullViolation', `column "${p.columns[0]}" of relation "${p.table}" contains null values`);
    case 'unique':
      return e('UniqueViolation', `could not create unique index "${name}"`);
    case 'foreign-key':
      return e(
        'ForeignKeyViolation',
        `insert or update on table "${p.table}" violates foreign key constraint "${name}"`,
      );
    case 'check':
      return e(
        'CheckViolation',
        `check constraint "${name}" of relation "${p.table}" is violated by some row`,
      );
    case 'length':
      return `sqlalchemy.exc.DataError: (psycopg2.errors.StringDataRightTruncation) value too long for type character varying(${p.length})`;
    case 'enum':
      return `sqlalchemy.exc.DataError: (psycopg2.errors.InvalidTextRepresentation) invalid input value for enum ${p.castTo ?? VALUE}: "${VALUE}"`;
    case 'no-cast':
      return `sqlalchemy.exc.ProgrammingError: (psycopg2.errors.DatatypeMismatch) column "${p.columns[0]}" cannot be cast automatically to type ${p.castTo}`;
    default:
      return undefined;
  }
}

/** psycopg2's class for each data error a cast raises (SQLSTATE class 22). */
const PG_DATA_ERRORS: Readonly<Record<string, string>> = {
  '22P02': 'InvalidTextRepresentation',
  '22003': 'NumericValueOutOfRange',
  '22007': 'InvalidDatetimeFormat',
  '22008': 'DatetimeFieldOverflow',
  '22001': 'StringDataRightTruncation',
};

/** A repeated primary key from op.bulk_insert, as each driver raises it (the probe gives the server's words). */
function insertError(
  dialect: VersionTableState['dialect'],
  module: string | undefined,
  server: { readonly code: string; readonly message: string },
): string | undefined {
  if (dialect === 'postgresql')
    return `sqlalchemy.exc.IntegrityError: (psycopg2.errors.UniqueViolation) ${server.message}`;
  if (dialect === 'sqlite')
    return `sqlalchemy.exc.IntegrityError: (sqlite3.IntegrityError) ${server.message}`;
  return module
    ? `sqlalchemy.exc.IntegrityError: (${module}.IntegrityError) (1062, "${server.message}")`
    : undefined;
}

/** The error the cast met on the rows, as Alembic prints it, where its class is known. */
function castError(
  server: { readonly code: string; readonly message: string } | undefined,
): string | undefined {
  const cls = server ? PG_DATA_ERRORS[server.code] : undefined;
  return cls && server ? `sqlalchemy.exc.DataError: (psycopg2.errors.${cls}) ${server.message}` : undefined;
}

function sqliteError(p: DataProbe): string | undefined {
  const integrity = (text: string): string =>
    `sqlalchemy.exc.IntegrityError: (sqlite3.IntegrityError) ${text}`;
  // batch mode copies the rows into _alembic_tmp_<table> (its name cut to 50 characters)
  const copy = p.batch ? `_alembic_tmp_${p.table}`.slice(0, 50) : p.table;
  switch (p.kind) {
    case 'not-null':
      return integrity(`NOT NULL constraint failed: ${copy}.${p.columns[0]}`);
    case 'rows-exist':
      return 'sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) Cannot add a NOT NULL column with default value NULL';
    case 'unique':
      return integrity(`UNIQUE constraint failed: ${p.columns.map((c) => `${copy}.${c}`).join(', ')}`);
    case 'check':
      return integrity(`CHECK constraint failed: ${p.name ?? VALUE}`);
    default:
      return undefined;
  }
}

/** The conversion's error as the driver raises it: 1292 is in neither driver's map (OperationalError, as every unmapped code from 1000). */
function mysqlConvertError(
  module: string,
  server: { readonly code: string; readonly message: string },
): string {
  const cls = server.code === '1292' ? 'OperationalError' : 'DataError';
  const text = server.message;
  return `sqlalchemy.exc.${cls}: (${module}.${cls}) (${server.code}, ${text.includes("'") ? `"${text}"` : `'${text}'`})`;
}

function mysqlError(p: DataProbe, module: string, mariadb: boolean): string | undefined {
  const e = (cls: string, n: number, text: string): string =>
    `sqlalchemy.exc.${cls}: (${module}.${cls}) (${n}, ${text.includes("'") ? `"${text}"` : `'${text}'`})`;
  switch (p.kind) {
    case 'not-null':
      return mariadb
        ? e('DataError', 1265, `Data truncated for column '${p.columns[0]}' at row ${VALUE}`)
        : e('OperationalError', 1138, 'Invalid use of NULL value');
    case 'range':
      return e('DataError', 1264, `Out of range value for column '${p.columns[0]}' at row ${VALUE}`);
    case 'enum':
      return e('DataError', 1265, `Data truncated for column '${p.columns[0]}' at row ${VALUE}`);
    case 'length':
      return mariadb
        ? e('DataError', 1265, `Data truncated for column '${p.columns[0]}' at row ${VALUE}`)
        : e('DataError', 1406, `Data too long for column '${p.columns[0]}' at row ${VALUE}`);
    case 'unique':
      return e('IntegrityError', 1062, `Duplicate entry '${VALUE}' for key '${p.name ?? VALUE}'`);
    case 'foreign-key':
      return e(
        'IntegrityError',
        1452,
        `Cannot add or update a child row: a foreign key constraint fails (${VALUE})`,
      );
    case 'check':
      return mariadb
        ? e('OperationalError', 4025, `CONSTRAINT \`${p.name ?? VALUE}\` failed for ${VALUE}`)
        : e('OperationalError', 3819, `Check constraint '${p.name ?? VALUE}' is violated.`);
    default:
      return undefined;
  }
}
