#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine (run as root or with
# sudo available): Chromium and code-server's build headers from apt, the JupyterLab
# extension's npm packages and build, the Python package with its dev/jupyter extras into
# .venv (editable, with that extension), the VS Code extension's npm packages and build,
# and code-server itself. Safe to run again: each step skips what is already there.
#
# Where things go, besides this checkout (.venv, node_modules, the extensions' builds):
#   - apt packages: the system;
#   - code-server 4.100.3 and 4.90.3: ~/.cache/aws-login-bridge/code-server-<version>
#     (vscode-client/scripts/install-code-server.sh; about 300 MB each);
#   - JupyterLab 4.0 and Notebook 7.0 for their browser tests: .venv/jupyter-oldest
#     (scripts/setup-jupyter-oldest.sh);
#   - download caches: pip's (~/.cache/pip), uv's (~/.cache/uv) and npm's (~/.npm).
# Nothing is written in ~/.config or ~/.local: code-server writes a default config.yaml (a
# random password) and logs there the first time it runs, so its install check runs with
# ~/.cache/aws-login-bridge/code-server-home as XDG config and data folders instead; the
# tests start code-server with a HOME of their own.
#
# --no-browser: only what `scripts/test.sh --no-browser` needs (the venv with the built
# JupyterLab extension, and the JS SDK's npm packages; no apt, no VS Code extension, no
# code-server), on Linux, macOS or Windows.
# --system-only: only what lies outside this checkout (the apt packages and code-server):
# what .github/workflows/release.yml's smoke test needs to run the built files.
set -euo pipefail
cd "$(dirname "$0")/.."

no_browser=false system_only=false
[ "${1-}" = --no-browser ] && no_browser=true
[ "${1-}" = --system-only ] && system_only=true

install_python() {
  source scripts/venv.sh
  if [ ! -x "$VENV_PY" ]; then
    "${PYTHON:-python3}" -m venv .venv
    source scripts/venv.sh
  fi
  "$VENV_PY" -m pip install -q --upgrade pip
  # The build backend and the JupyterLab extension's builder first: the labextension is
  # built with them, and the editable install uses them instead of an isolated build env.
  "$VENV_PY" -m pip install -q 'hatchling>=1.21' 'hatch-jupyter-builder>=0.9' \
    'jupyter-builder>=1.3' 'hatch-fancy-pypi-readme>=24.1'
  local venv_bin
  venv_bin=$(cd "$(dirname "$VENV_PY")" && pwd)
  (cd jupyter_ext/labextension && npm ci --no-audit --no-fund &&
    PATH="$venv_bin:$PATH" npm run --silent build >/dev/null)
  # A rerun: the link below first, or pip's uninstall of the old editable install deletes
  # the tree's labextension build through it.
  if [ -L .venv/share/jupyter/labextensions/aws-login-bridge ]; then
    rm .venv/share/jupyter/labextensions/aws-login-bridge
  fi
  PATH="$venv_bin:$PATH" "$VENV_PY" -m pip install -q --no-build-isolation -e '.[dev,jupyter]'
  # The JavaScript SDK that tests/test_js_sdk.py runs against our login files.
  (cd tests/js_sdk && npm ci --no-audit --no-fund)
}

install_apt_packages() {
  local sudo="" pkg
  [ "$(id -u)" = 0 ] || sudo="sudo"
  # python3 + python3-venv: the Python a new user's VS Code finds, which the extension's
  # Install makes its private environment with (tests/e2e_vscode/test_vscode_install.py).
  local apt_packages=(chromium build-essential pkg-config libkrb5-dev libsecret-1-dev
                      libx11-dev libxkbfile-dev ripgrep python3 python3-venv)
  local missing=()
  for pkg in "${apt_packages[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: apt-get install ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

install_code_server() {
  # code-server's first run (the script's version check) writes a default config.yaml
  # under $XDG_CONFIG_HOME and logs under $XDG_DATA_HOME: a folder of ours, not the
  # person's. A lasting one: the check reads the version from the first line code-server
  # prints, which is "Wrote default config file" whenever the config is new.
  local xdg=${XDG_CACHE_HOME:-$HOME/.cache}/aws-login-bridge/code-server-home
  XDG_CONFIG_HOME="$xdg/config" XDG_DATA_HOME="$xdg/data" \
    bash vscode-client/scripts/install-code-server.sh
  # The oldest VS Code the extension claims (engines.vscode ^1.90), which the login test
  # also runs on (tests/e2e_vscode/vscode_harness.py's OLDEST_CODE_SERVER).
  XDG_CONFIG_HOME="$xdg/config" XDG_DATA_HOME="$xdg/data" CODE_SERVER_VERSION=4.90.3 \
    bash vscode-client/scripts/install-code-server.sh
}

if $no_browser; then
  install_python
  echo "setup: done (no browser)"
  exit 0
fi

install_apt_packages
if $system_only; then
  install_code_server
  echo "setup: done (system only)"
  exit 0
fi

install_python
# JupyterLab reads the extension from its build folder, as `jupyter labextension develop`
# arranges it (the editable install copied it): a rebuild shows at the next page load.
labext=.venv/share/jupyter/labextensions/aws-login-bridge
rm -rf "$labext"
ln -s "$PWD/jupyter_ext/aws_login_jupyter/labextension" "$labext"
# The oldest JupyterLab and Notebook the extension supports (4.0, 7.0), in a venv of their
# own for the browser tests (tests/e2e_jupyterlab/test_clients.py); uv's cache: ~/.cache/uv.
bash scripts/setup-jupyter-oldest.sh

(cd vscode-client && npm ci --no-audit --no-fund)
install_code_server
echo "setup: done"
