# Shared by scripts/chat, scripts/test and .ci/run: create .venv once, and (re)install when the lock file (or
# pyproject.toml) changes. The dependencies come from a lock file of exact versions with hashes (see scripts/lock);
# the project itself is then installed editable, without dependencies.
# Usage: source scripts/_venv.sh LOCK   (LOCK is chat or test, for requirements/chat.txt or requirements/test.txt)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
name="${1:?usage: source scripts/_venv.sh chat|test}"
lock="requirements/$name.txt"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "Setting up .venv (first run only)..." >&2
    "$python" -m venv .venv
fi
stamp=".venv/.installed-$name"
if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "Installing $lock (log: .venv/install.log)..." >&2
    if ! { .venv/bin/python -m pip install --disable-pip-version-check --require-hashes -r "$lock" \
           && .venv/bin/python -m pip install --disable-pip-version-check --no-deps --no-build-isolation -e .; } \
           > .venv/install.log 2>&1; then
        tail -n 30 .venv/install.log >&2
        echo "Setup failed; the full log is in .venv/install.log" >&2
        exit 1
    fi
    touch "$stamp"
fi
