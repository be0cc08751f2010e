#!/usr/bin/env bash
# Print the path of a CPython 3.10 interpreter (Rasa 3.6 runs on 3.10 only).
# Order: $PYTHON310, python3.10 on PATH, python3 on PATH, then pyenv's versions.
set -u
is_310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) and sys.implementation.name == "cpython" else 1)' >/dev/null 2>&1; }
candidates=()
[ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
for name in python3.10 python3 python; do
  p=$(command -v "$name" 2>/dev/null) && candidates+=("$p")
done
root=$( (pyenv root) 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for p in $(ls -d "$root"/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V -r); do candidates+=("$p"); done
for c in "${candidates[@]}"; do
  if is_310 "$c"; then
    "$c" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
echo "No CPython 3.10 found: install it (for example 'pyenv install 3.10.13' or 'apt-get install python3.10 python3.10-venv'), or set PYTHON310=/path/to/python3.10, then run the command again." >&2
exit 1
