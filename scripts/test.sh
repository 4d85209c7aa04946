#!/usr/bin/env bash
# The whole test suite: lint, every pytest layer (engine, emulator, helper, bridge,
# Jupyter kernels and JupyterLab in headless Chromium, VS Code in code-server), and the
# extension's own tests. Run scripts/setup.sh once first.
set -euo pipefail
cd "$(dirname "$0")/.."

.venv/bin/ruff check .
if [ -f vscode-client/package.json ]; then
  (cd vscode-client && npm run --silent build && npm run --silent package && npm test)
fi
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
