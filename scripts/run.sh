#!/usr/bin/env bash
# Installs OneMap into .venv, loads the Jilin sample data into the embedded GeoPackage store
# (./var/onemap.gpkg, or ONEMAP_DATABASE_URL) and starts the server; it prints the URL to open.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/python.sh
source scripts/lib/services.sh
source scripts/lib/web.sh
ensure_venv "."
ensure_web_vendor
.venv/bin/onemap load-samples
exec .venv/bin/onemap serve "$@"
