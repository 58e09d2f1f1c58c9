#!/usr/bin/env bash
# Installs what the test suite needs and runs all of it:
#   Debian: PostgreSQL 15 + PostGIS 3, gdal-bin (ogrinfo/ogr2ogr for the real-client tests);
#   a running PostgreSQL server (the machine's own, or a private one started here);
#   the project in .venv with its test extras; then ruff and pytest.
# Extra arguments go to pytest (e.g. scripts/test.sh -k features).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/python.sh
source scripts/lib/postgres.sh

missing=()
dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1 || missing+=(postgresql-15-postgis-3)
command -v ogrinfo >/dev/null 2>&1 || missing+=(gdal-bin)
install_debian_packages "${missing[@]}"
ensure_postgres
ensure_venv ".[test]"

.venv/bin/ruff check .
exec .venv/bin/python -m pytest -n 2 -p no:cacheprovider "$@"
