# shellcheck shell=bash
# Sourced by scripts/serve, scripts/test and .ci/run: make ./.venv and install the project.
#
# Needs only python3 (3.11+) with venv and pip. The install is skipped when pyproject.toml
# has not changed since the last successful one, so repeated runs start at once.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "error: $PYTHON not found; install Python 3.11 or newer." >&2
    exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "error: Python 3.11 or newer is needed ($PYTHON is $("$PYTHON" -V 2>&1))." >&2
    exit 1
fi

# A venv whose creation failed half-way (no pip) is rebuilt rather than trusted.
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    rm -rf "$VENV"
    echo "Creating $VENV ..."
    if ! "$PYTHON" -m venv "$VENV"; then
        rm -rf "$VENV"
        echo "error: '$PYTHON -m venv' failed; on Debian/Ubuntu: apt-get install python3-venv" >&2
        exit 1
    fi
fi

_stamp="$VENV/.chatproject-install"
_want="$("$VENV/bin/python" -c 'import hashlib; print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest())')"
if [ ! -f "$_stamp" ] || [ "$(cat "$_stamp")" != "$_want" ]; then
    echo "Installing dependencies into $VENV ..."
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[test]'
    echo "$_want" >"$_stamp"
fi
unset _stamp _want

export PATH="$VENV/bin:$PATH"
export VIRTUAL_ENV="$VENV"
