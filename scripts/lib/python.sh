# Sourced by scripts/*.sh: sets PY to a Python >= 3.12 (pygeoapi 0.22+ and this project need it)
# and makes the project's virtual environment at .venv with it.
find_python() {
  local cand
  for cand in "${ONEMAP_PYTHON:-}" python3.13 python3.12 python3 \
      "$HOME"/.pyenv/versions/3.13*/bin/python3 "$HOME"/.pyenv/versions/3.12*/bin/python3 \
      /usr/local/bin/python3.12 /usr/bin/python3.12; do
    [ -n "$cand" ] || continue
    if "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
      PY="$cand"; return 0
    fi
  done
  echo "需要 Python 3.12 或更高版本 / Python >= 3.12 is required (set ONEMAP_PYTHON to its path)" >&2
  return 1
}

ensure_venv() {  # $1: pip extras spec, e.g. ".[test]"
  find_python
  if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
    rm -rf .venv
    "$PY" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
  fi
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$1"
}
