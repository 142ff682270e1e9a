import { migration } from './project.js';

/**
 * env.py of a schema per tenant, as Alembic's cookbook migrates one: `alembic -x tenant=NAME upgrade
 * head`, the search_path and version_table_schema set to the tenant.
 */
export const TENANT_ENV_PY = `import os
from alembic import context
from sqlalchemy import create_engine, pool, text

tenant = context.get_x_argument(as_dictionary=True)["tenant"]
engine = create_engine(os.environ["DATABASE_URL"], poolclass=pool.NullPool)
with engine.connect() as connection:
    connection.execute(text('SET search_path TO "%s"' % tenant))
    connection.dialect.default_schema_name = tenant
    context.configure(connection=connection, version_table_schema=tenant)
    with context.begin_transaction():
        context.run_migrations()
`;

/** a1 creates items; b2 adds its name column. */
export const ITEMS_A1 = migration(
  'a1',
  null,
  "op.create_table('items', sa.Column('id', sa.Integer(), primary_key=True))",
  "op.drop_table('items')",
);
export const ITEMS_B2 = migration(
  'b2',
  'a1',
  "op.add_column('items', sa.Column('name', sa.String(80)))",
  "op.drop_column('items', 'name')",
);
