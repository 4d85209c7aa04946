# Sourced by setup.sh and test.sh: VENV_PY is the project venv's Python, wherever the
# platform puts it (bin/ on Linux and macOS, Scripts\ on Windows).
VENV_PY=.venv/bin/python
if [ ! -x "$VENV_PY" ] && [ -x .venv/Scripts/python.exe ]; then
  VENV_PY=.venv/Scripts/python.exe
fi
# The pytest selection of the non-browser suite: what the cross-platform CI workflow runs.
NON_BROWSER="not browser"
