#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine: real Alembic
# (the differential oracle) and the project's npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c 'import alembic, sqlalchemy' 2>/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-alembic python3-sqlalchemy python3-psycopg2 python3-typing-extensions >/dev/null
fi
npm install --no-audit --no-fund
