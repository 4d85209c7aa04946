#!/usr/bin/env bash
# The whole test suite: lint, every pytest layer (engine, emulator, helper, bridge,
# Jupyter kernels and JupyterLab in headless Chromium, VS Code in code-server), and the
# extension's own tests. Run scripts/setup.sh once first.
#
# --no-browser: ruff and the pytest suite without the tests that drive a browser (marker
# `browser`), and without the extension's build: what .github/workflows/platforms.yml runs
# on Linux, macOS and Windows.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh

if [ "${1-}" = --no-browser ]; then
  shift
  "$VENV_PY" -m ruff check .
  exec "$VENV_PY" -m pytest -q -p no:cacheprovider -m "$NON_BROWSER" "$@"
fi

"$VENV_PY" -m ruff check .
if [ -f vscode-client/package.json ]; then
  (cd vscode-client && npm run --silent build && npm run --silent package && npm test)
fi
"$VENV_PY" -m pytest -q -p no:cacheprovider "$@"
