#!/usr/bin/env bash
# Installs what the test suite needs and runs all of it:
#   Debian: PostgreSQL 15 + PostGIS 3, gdal-bin (ogrinfo/ogr2ogr for the real-client tests),
#   Node.js (the MapLibre style validator, from npm into tools/style-validator; the pages' own
#   MapLibre/ECharts/PMTiles into gis_server/web), Chromium and CJK fonts (browser tests);
#   a running PostgreSQL server (the machine's own, or a private one started here) and Redis;
#   the project in .venv with its test extras; then ruff and pytest.
# Extra arguments go to pytest (e.g. scripts/test.sh -k features).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/python.sh
source scripts/lib/services.sh
source scripts/lib/web.sh

missing=()
dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1 || missing+=(postgresql-15-postgis-3)
command -v ogrinfo >/dev/null 2>&1 || missing+=(gdal-bin)
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || missing+=(fonts-dejavu-core)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
install_debian_packages "${missing[@]}"
ensure_postgres
ensure_redis
ensure_venv ".[test]"
npm ci --prefix tools/style-validator --no-audit --no-fund --loglevel=error
ensure_web_vendor

.venv/bin/ruff check .
exec .venv/bin/python -m pytest -n 2 --dist loadgroup -p no:cacheprovider "$@"
