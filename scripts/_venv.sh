# Shared by scripts/chat and scripts/test: create .venv once and (re)install when pyproject.toml changes.
# Usage: source scripts/_venv.sh EXTRAS   (EXTRAS like "" or "[dev,slack,teams]")
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
extras="${1:-}"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "Setting up .venv (first run only)..." >&2
    "$python" -m venv .venv
fi
stamp=".venv/.installed$(echo "$extras" | tr -c 'a-z' '-')"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "Installing dependencies${extras:+ $extras} (log: .venv/install.log)..." >&2
    if ! { .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip \
           && .venv/bin/python -m pip install --disable-pip-version-check -e ".${extras}"; } > .venv/install.log 2>&1; then
        tail -n 30 .venv/install.log >&2
        echo "Setup failed; the full log is in .venv/install.log" >&2
        exit 1
    fi
    touch "$stamp"
fi
