#!/usr/bin/env bash
# The oldest JupyterLab and Notebook we support, for the browser tests that run the extension
# in them (tests/e2e_jupyterlab/test_clients.py): a venv at .venv/jupyter-oldest/ with
# JupyterLab 4.0.x, Notebook 7.0.x, ipywidgets and this tree's aws-login-bridge[jupyter].
#
# The project is installed editable and the venv's labextension folder is a link to this
# tree's build (as scripts/setup.sh does for .venv), so the tests always run the code and the
# labextension of the tree, whatever was edited since. Run scripts/setup.sh first: it builds
# the labextension. Safe to run again; a run with nothing to do takes about a second.
#
# uv installs the packages (pip itself only installs uv): about 15 s from nothing instead of
# about 45 s with pip alone.
set -euo pipefail
cd "$(dirname "$0")/.."

# Inside the project's venv folder: what skips .venv skips it too (git, ruff, and the sdist's
# file walk, which follows links and, had it met this venv's link to the tree's labextension
# build first, would have left the build itself out of the sdist as already seen).
VENV=.venv/jupyter-oldest
PY=$VENV/bin/python
UV=$VENV/bin/uv
BUILT=jupyter_ext/aws_login_jupyter/labextension

if [ ! -f "$BUILT/package.json" ]; then
  echo "setup-jupyter-oldest: $BUILT is missing: run scripts/setup.sh first (it builds the labextension)" >&2
  exit 1
fi
[ -x "$PY" ] || "${PYTHON:-python3}" -m venv "$VENV"
[ -x "$UV" ] || "$PY" -m pip install -q --disable-pip-version-check 'uv>=0.5'
# The venv's labextension folder is a link to this tree's build (below): unlinked first, so
# that a reinstall removes and writes the installed copy in the venv, not the tree's build.
labext=$VENV/share/jupyter/labextensions/aws-login-bridge
[ ! -L "$labext" ] || rm "$labext"

# The editable install is made without build isolation, with these build hooks; the hook
# keeps the tree's labextension build (skip-if-exists in pyproject.toml), so no npm runs here.
"$UV" pip install -q --python "$PY" 'hatchling>=1.21' 'hatch-jupyter-builder>=0.9' \
  'jupyter-builder>=1.3' 'hatch-fancy-pypi-readme>=24.1'
"$UV" pip install -q --python "$PY" --no-build-isolation \
  'jupyterlab==4.0.*' 'notebook==7.0.*' 'ipywidgets>=8' -e '.[jupyter]'

# The labextension JupyterLab 4.0 and Notebook 7.0 load: this tree's build, not the copy the
# editable install made.
rm -rf "$labext"
ln -s "$PWD/$BUILT" "$labext"

"$PY" - <<'EOF'
from importlib.metadata import version

print(f"setup-jupyter-oldest: JupyterLab {version('jupyterlab')}, "
      f"Notebook {version('notebook')} in .venv/jupyter-oldest")
EOF
