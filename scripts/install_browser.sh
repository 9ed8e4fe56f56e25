#!/usr/bin/env bash
# Install what the browser tests need (idempotent; safe to run on every CI run):
#   - Debian's chromium (/usr/bin/chromium), only if missing (apt-get; CI runs as root)
#   - Python playwright, jupyterlab and jupyterlab-myst into .venv (pinned; never
#     `playwright install`: it downloads a browser of its own, which fails offline — we
#     drive Debian's)
# (The built book needs nothing else: it serves its own MathJax, require.js and widget
#  manager, which `make book` copies in with scripts/vendor_assets.py.)
# Usage: bash scripts/install_browser.sh        (PYTHON=path/to/python to use another env)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
PLAYWRIGHT_PIN="playwright==1.65.2"
JUPYTERLAB_PIN="jupyterlab==4.6.6"
MYST_PIN="jupyterlab-myst==2.7.0"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

if [ ! -x /usr/bin/chromium ]; then
    echo "install_browser: installing Debian chromium"
    apt_install chromium
fi

if [ ! -x "$PY" ]; then
    echo "install_browser: $PY not found (run make test or make book first to create .venv)" >&2
    exit 1
fi
if ! "$PY" -m pip show --quiet playwright jupyterlab jupyterlab-myst >/dev/null 2>&1 \
   || [ "$("$PY" -c 'import importlib.metadata as m; print(*(m.version(p) for p in ("playwright", "jupyterlab", "jupyterlab-myst")))')" \
        != "${PLAYWRIGHT_PIN#*==} ${JUPYTERLAB_PIN#*==} ${MYST_PIN#*==}" ]; then
    echo "install_browser: pip install $PLAYWRIGHT_PIN $JUPYTERLAB_PIN $MYST_PIN"
    "$PY" -m pip install --quiet "$PLAYWRIGHT_PIN" "$JUPYTERLAB_PIN" "$MYST_PIN"
fi
/usr/bin/chromium --version 2>/dev/null | grep -i chromium || true
