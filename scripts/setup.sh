#!/usr/bin/env bash
# Create .venv with CPython 3.10 and install the pinned dependencies; a no-op when already up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
stamp="$VENV/.installed"
want=$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
  [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && exit 0
else
  PY=$(scripts/find_python.sh)
  echo "==> Creating virtual environment $VENV with $PY"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
fi

export PIP_DISABLE_PIP_VERSION_CHECK=1
echo "==> Installing pinned dependencies from requirements.lock (first time: several minutes, about 3 GB)"
"$VENV/bin/python" -m pip install --progress-bar on "pip==24.0"
"$VENV/bin/python" -m pip install --progress-bar on -r requirements.lock
"$VENV/bin/python" -m pip install --no-deps --no-build-isolation -e .
"$VENV/bin/python" -m pip check
echo "$want" > "$stamp"
echo "==> Environment ready"
