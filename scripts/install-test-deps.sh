#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine: real Alembic
# with psycopg2 (the differential oracle), Flask-Migrate, the PostgreSQL server binaries (the
# tests start a throwaway cluster), openssl (the TLS test's certificate), python3-venv and
# binutils (the wheel's test), MariaDB's server with PyMySQL and mysqlclient, and the project's npm
# dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
PKGS=()
/usr/bin/python3 -c 'import alembic, sqlalchemy, psycopg2' 2>/dev/null || PKGS+=(python3-alembic python3-sqlalchemy python3-psycopg2 python3-typing-extensions)
# the drivers and the .env loader the connection fence is tested against
/usr/bin/python3 -c 'import psycopg, pg8000, dotenv' 2>/dev/null || PKGS+=(python3-psycopg python3-pg8000 python3-dotenv)
# the async drivers and the pools the fence must cover too
/usr/bin/python3 -c 'import asyncpg, psycopg_pool, aiomysql' 2>/dev/null || PKGS+=(python3-asyncpg python3-psycopg-pool python3-aiomysql)
# pip, whose requirements-file reader and marker evaluation the pins are held to
/usr/bin/python3 -c 'import pip._internal.req.req_file, pip._vendor.packaging.markers' 2>/dev/null || PKGS+=(python3-pip)
# real Flask-Migrate (and the flask command) for the release phase of a Flask app
/usr/bin/python3 -c 'import flask_migrate, flask_sqlalchemy' 2>/dev/null && [ -x /usr/bin/flask ] || PKGS+=(python3-flask-migrate python3-flask-sqlalchemy python3-flask)
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  PKGS+=(postgresql)
fi
# MariaDB's server (the tests start throwaway ones) and Alembic's MySQL drivers, PyMySQL and mysqlclient
command -v mariadbd >/dev/null 2>&1 && command -v mariadb-install-db >/dev/null 2>&1 || PKGS+=(mariadb-server)
/usr/bin/python3 -c 'import pymysql, MySQLdb' 2>/dev/null || PKGS+=(python3-pymysql python3-mysqldb)
command -v openssl >/dev/null 2>&1 || PKGS+=(openssl)
# the wheel's test: a fresh venv (ensurepip), and objdump, which reads the glibc its binaries need
/usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null || PKGS+=(python3-venv)
command -v objdump >/dev/null 2>&1 || PKGS+=(binutils)
if [ "${#PKGS[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${PKGS[@]}" >/dev/null
fi
npm install --no-audit --no-fund
