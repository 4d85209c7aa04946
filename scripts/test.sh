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

# One line per stage with how long it took (and whether it failed), so a newcomer on a
# slow machine sees where the time goes; the whole run is about 20 minutes on 2 cores.
stage() {
  local name=$1 start=$SECONDS status=0
  shift
  echo "[test.sh] $name ..."
  "$@" || status=$?
  if [ "$status" = 0 ]; then
    echo "[test.sh] $name: $((SECONDS - start)) s"
  else
    echo "[test.sh] $name: FAILED (exit $status) after $((SECONDS - start)) s"
  fi
  return "$status"
}
# -rs: every skip is listed with its reason; tests/conftest.py fails the run on a skip
# that is not a platform's expected one. -X utf8: pytest talks UTF-8 with the test
# subprocesses, whatever the platform's default (Windows': the ANSI code page).
PYTEST=("$VENV_PY" -X utf8 -m pytest -q -rs -p no:cacheprovider)

if [ "${1-}" = --no-browser ]; then
  shift
  stage "ruff" "$VENV_PY" -m ruff check .
  stage "protocol declarations up to date" "$VENV_PY" scripts/gen-protocol --check
  stage "pytest without browsers" "${PYTEST[@]}" -m "$NON_BROWSER" "$@"
  exit 0
fi

total=$SECONDS
stage "ruff" "$VENV_PY" -m ruff check .
stage "protocol declarations up to date" "$VENV_PY" scripts/gen-protocol --check
if [ -f vscode-client/package.json ]; then
  stage "extension build" bash -c "cd vscode-client && npm run --silent build"
  if [ "$#" = 0 ]; then
    # The release's own build (scripts/build-dist, as release.yml makes it): its .vsix is the
    # one the browser stage installs, and tests/test_dist.py checks these same files.
    stage "release check: versions, workflows, build-dist, smoke test of the built files" \
      bash scripts/release-check
  else
    stage "extension package" bash -c "cd vscode-client && npm run --silent package"
  fi
  stage "extension unit tests" bash -c "cd vscode-client && npm test"
fi
if [ "$#" = 0 ]; then
  # The lowest end of the declared dependency range (Python 3.10, uv lowest-direct): install,
  # demo, helper, kernel, server extension. The newest end is the venv above;
  # .github/workflows/platforms.yml runs the whole non-browser suite on both ends.
  stage "dependency range: the lowest declared versions" "$VENV_PY" scripts/smoke-deps lowest
  # test_dist ran inside release-check, on the build it made.
  stage "pytest: engine, CLI, helper, emulator, SDKs, kernels, adversarial" \
    "${PYTEST[@]}" -m "$NON_BROWSER" --ignore=tests/test_dist.py
  stage "pytest: JupyterLab and VS Code in headless Chromium" "${PYTEST[@]}" -m browser
else
  stage "pytest $*" "${PYTEST[@]}" "$@"
fi
echo "[test.sh] all stages passed in $((SECONDS - total)) s"
