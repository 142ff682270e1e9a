"""Alembic environment for the demo app: reads DATABASE_URL, as on Heroku."""
import os
from logging.config import fileConfig

from sqlalchemy import engine_from_config, pool

from alembic import context

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

url = os.environ.get("DATABASE_URL")
if url:
    # Heroku still hands out postgres://, which SQLAlchemy >= 1.4 rejects
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))

target_metadata = None


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
