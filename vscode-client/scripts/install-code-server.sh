#!/usr/bin/env bash
# Install code-server (VS Code in the browser) for the end-to-end tests, idempotently.
#
#   vscode-client/scripts/install-code-server.sh        # prints the code-server binary path last
#   CODE_SERVER_VERSION=4.90.3 vscode-client/scripts/install-code-server.sh   # the oldest we claim
#   vscode-client/scripts/install-code-server.sh --check  # installs nothing: the path, or exit 1
#
# Where: $CODE_SERVER_HOME, else $HOME/.cache/aws-login-bridge/code-server-<version>.
# A second run with a working install is a no-op (about a second).
#
# Recipe (see the project's reference notes on real clients): code-server 4.100.3 is the last
# release that runs on Node 20. Its postinstall compiles native modules (needs build tools and
# a few -dev headers) and downloads ripgrep from the internet, which this machine cannot reach:
# we pre-seed @vscode/ripgrep's download cache with Debian's `rg` instead. Older releases
# (4.90.3 = VS Code 1.90, the floor of the extension's engines.vscode) also install on Node 20,
# with two more steps noted below.
set -euo pipefail

VERSION="${CODE_SERVER_VERSION:-4.100.3}"
DEST="${CODE_SERVER_HOME:-$HOME/.cache/aws-login-bridge/code-server-$VERSION}"
BIN="$DEST/node_modules/.bin/code-server"

log() { echo "install-code-server: $*" >&2; }
# code-server's first run, even for --version, writes a default config.yaml and logs under the
# XDG folders and says so before the version: run it with folders of ours inside $DEST, so the
# person's ~/.config stays untouched, and look for the version on any line.
version_of() { XDG_CONFIG_HOME="$DEST/.xdg/config" XDG_DATA_HOME="$DEST/.xdg/data" "$BIN" --version; }

if [[ -x "$BIN" ]] && version_of 2>/dev/null | grep -q "^$VERSION "; then
  log "code-server $VERSION already installed in $DEST"
  echo "$BIN"
  exit 0
fi
if [[ "${1-}" == --check ]]; then
  log "code-server $VERSION is not installed in $DEST; install it with:"
  log "  CODE_SERVER_VERSION=$VERSION bash vscode-client/scripts/install-code-server.sh"
  exit 1
fi

# 1. Debian packages: compilers and headers for the native modules, a local ripgrep,
#    and Chromium for the Playwright tests unless $CHROMIUM_PATH names another browser (on a
#    GitHub runner, its Google Chrome: Ubuntu ships Chromium only as a snap).
APT_PKGS=(build-essential pkg-config libkrb5-dev libsecret-1-dev libx11-dev libxkbfile-dev ripgrep)
[[ -n "${CHROMIUM_PATH:-}" ]] || APT_PKGS+=(chromium)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    log "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install -y ${missing[*]})"
    exit 1
  fi
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${missing[@]}" >&2
fi

# 2. Pre-seed @vscode/ripgrep's download cache with Debian's rg (its postinstall would
#    otherwise fetch a binary from the internet). The cache is named after @vscode/ripgrep's
#    own version: 1.15.11 in 4.100.x, 1.15.9 in 4.90.x; seeding both costs nothing.
for rg_version in 1.15.9 1.15.11; do
  rg_cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$rg_version"
  mkdir -p "$rg_cache"
  tar czf "$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" \
    -C "$(dirname "$(command -v rg)")" rg
done

# Releases before 4.100 carry a kerberos addon whose C++ Node 20's headers reject (errors
# that -fpermissive turns into warnings); newer ones compile as they are, so they are left so.
older_than() { [[ "$1" != "$2" && "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" == "$1" ]]; }
if older_than "$VERSION" 4.100.0; then
  export CXXFLAGS="${CXXFLAGS:+$CXXFLAGS }-fpermissive"
fi

# 3. npm install into a private prefix. As root the postinstall needs unsafe-perm; `yes`
#    lets its nested `npx node-gyp` run without a prompt. (--ignore-scripts does not work:
#    argon2 would stay unbuilt and the server would not start.) allowScripts names the two
#    packages whose install scripts we mean to run, which npm 11 otherwise warns about.
#    npm 11 no longer knows unsafe-perm and says so, but code-server's postinstall reads it
#    from the environment: that one warning is dropped; everything else npm says goes to stderr.
mkdir -p "$DEST"
cd "$DEST"
echo '{"name": "code-server-for-tests", "private": true,
 "allowScripts": {"code-server": true, "argon2": true}}' > package.json
log "npm install code-server@$VERSION into $DEST (about a minute)"
npm_config_yes=true npm_config_unsafe_perm=true \
  npm install --no-audit --no-fund --no-save "code-server@$VERSION" 2>&1 | { grep -v 'Unknown env config "unsafe-perm"' || true; } >&2

version_of | grep "^$VERSION " >&2
echo "$BIN"
