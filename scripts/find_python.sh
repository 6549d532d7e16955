#!/usr/bin/env bash
# Print the path of a Python >= 3.12 interpreter, or explain and fail.
# Looks, in order, at: python3 (pyenv shims honour .python-version), python3.12, python3.13,
# and pyenv's installed versions 3.12+.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
candidates=(python3 python3.12 python3.13)
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root 2>/dev/null)
  for p in "$root"/versions/3.1[2-9]*/bin/python; do [ -x "$p" ] && candidates+=("$p"); done
fi
for c in "${candidates[@]}"; do
  path=$(command -v "$c" 2>/dev/null) || continue
  if ok "$path"; then
    # Resolve pyenv shims to the real interpreter so the venv does not depend on the shim.
    "$path" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
echo "channelsim needs Python >= 3.12 (Mesa 3.5 requires it); none found among python3, python3.12, python3.13 or pyenv versions. Install one (e.g. 'pyenv install 3.12') and retry." >&2
exit 1
