# Sourced by scripts/*.sh: the browser libraries the OneMap pages serve themselves (MapLibre GL JS,
# ECharts, PMTiles) from npm into gis_server/web/node_modules, exactly as package-lock.json pins them.
# Needs Node.js + npm (Debian's nodejs/npm are installed when missing; install_debian_packages comes
# from scripts/lib/services.sh).
ensure_web_vendor() {
  local dir=gis_server/web
  if ! command -v npm >/dev/null 2>&1; then
    install_debian_packages nodejs npm
  fi
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "安装网页依赖 / installing the web pages' libraries (npm ci)"
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  fi
}
