#!/usr/bin/env bash
# Print the path of a Python >= 3.12 interpreter, or explain what to install and fail.
for candidate in "${PYTHON:-}" python3.13 python3.12 python3 python; do
  [ -n "$candidate" ] || continue
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if "$path" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    echo "$path"
    exit 0
  fi
done
echo "Packline needs Python 3.12 or newer and found none on PATH." >&2
echo "Install one (for example 'pyenv install 3.13' or 'apt-get install python3.13 python3.13-venv')," >&2
echo "or point PYTHON at it: make run PYTHON=/path/to/python3.13" >&2
exit 1
