# Shared by scripts/chat and scripts/test: create .venv once and (re)install when pyproject.toml changes.
# Usage: source scripts/_venv.sh EXTRAS   (EXTRAS like "" or "[dev,slack,teams]")
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
extras="${1:-}"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
stamp=".venv/.installed$(echo "$extras" | tr -c 'a-z' '-')"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}"
    touch "$stamp"
fi
