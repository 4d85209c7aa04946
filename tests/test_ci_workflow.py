"""The cross-platform CI workflow cannot run on this machine: these tests keep it valid, in
step with scripts/setup.sh and scripts/test.sh, and the code within its oldest Python."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml
from conftest import REPO

WORKFLOW = REPO / ".github" / "workflows" / "platforms.yml"
SCRIPTS = REPO / "scripts"


def workflow() -> dict[Any, Any]:
    loaded = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(loaded, dict)
    return loaded


def job() -> dict[str, Any]:
    jobs = workflow()["jobs"]
    assert list(jobs) == ["non-browser"]
    return jobs["non-browser"]


def oldest_python() -> str:
    text = (REPO / "pyproject.toml").read_text()
    match = re.search(r'^requires-python = ">=(3\.\d+)"$', text, re.MULTILINE)
    assert match, "pyproject.toml has no requires-python"
    return match.group(1)


def non_browser_expression() -> str:
    match = re.search(r'^NON_BROWSER="([^"]+)"$', (SCRIPTS / "venv.sh").read_text(),
                      re.MULTILINE)
    assert match, "scripts/venv.sh defines no NON_BROWSER"
    return match.group(1)


def test_runs_on_every_platform_with_the_oldest_and_newest_python() -> None:
    loaded = workflow()
    # YAML 1.1 reads the key `on` as True; GitHub reads it as "on".
    triggers = loaded.get("on", loaded.get(True))
    assert set(triggers) == {"push", "pull_request", "workflow_dispatch"}
    matrix = job()["strategy"]["matrix"]
    assert sorted(matrix["os"]) == ["macos-latest", "ubuntu-latest", "windows-latest"]
    # Strings: an unquoted 3.10 would be the float 3.1.
    assert matrix["python"] == [oldest_python(), "3.13"]
    assert job()["strategy"]["fail-fast"] is False
    assert job()["runs-on"] == "${{ matrix.os }}"


def test_steps_set_up_the_matrix_python_then_run_the_non_browser_entry() -> None:
    steps = job()["steps"]
    uses = [step["uses"] for step in steps if "uses" in step]
    assert [u.split("@")[0] for u in uses] == ["actions/checkout", "actions/setup-python",
                                              "actions/setup-node"]
    assert all(re.fullmatch(r"[\w/-]+@v\d+", u) for u in uses), uses
    setup_python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-py"))
    assert setup_python["with"]["python-version"] == "${{ matrix.python }}"
    assert job()["defaults"]["run"]["shell"] == "bash"  # Windows too: Git Bash
    runs = [step["run"] for step in steps if "run" in step]
    assert runs == ["bash scripts/setup.sh --no-browser", "bash scripts/test.sh --no-browser"]
    for step in steps:
        assert set(step) <= {"name", "uses", "with", "run", "env"}, step


def test_the_scripts_have_the_no_browser_entry() -> None:
    test_sh = (SCRIPTS / "test.sh").read_text()
    branch = test_sh[test_sh.index('if [ "${1-}" = --no-browser ]'):]
    branch = branch[:branch.index("\nfi\n")]
    assert '-m "$NON_BROWSER"' in branch and "pytest" in branch
    assert "source scripts/venv.sh" in test_sh
    setup_sh = (SCRIPTS / "setup.sh").read_text()
    assert '[ "${1-}" = --no-browser ]' in setup_sh
    # By its PATH entry: on Windows a bare "bash" finds System32's WSL launcher first.
    bash = shutil.which("bash")
    assert bash, "bash is not on PATH"
    for script in ("setup.sh", "test.sh", "venv.sh"):
        check = subprocess.run([bash, "-n", str(SCRIPTS / script)], capture_output=True,
                               text=True, timeout=30, check=False)
        assert check.returncode == 0, check.stderr


def _collect(*args: str) -> tuple[list[str], str]:
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         *args], cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    return [line for line in out.stdout.splitlines() if "::" in line], out.stdout


def test_the_non_browser_selection_leaves_out_the_browser_tests_only() -> None:
    with ThreadPoolExecutor(2) as pool:  # two collections of the whole suite, side by side
        kept_run = pool.submit(_collect, "-m", non_browser_expression())
        browser_run = pool.submit(_collect, "-m", "browser")
        (kept, summary), (browser, _) = kept_run.result(), browser_run.result()
    total = re.search(r"(\d+)/(\d+) tests collected \((\d+) deselected\)", summary)
    assert total, summary[-500:]
    assert int(total.group(2)) == len(kept) + len(browser)  # every test is in one of them
    assert not set(kept) & set(browser)
    assert any(i.startswith("tests/e2e_vscode/") for i in browser)
    assert not [i for i in kept if i.startswith(("tests/e2e_vscode/", "tests/e2e_jupyterlab/"))]
    assert "tests/test_windows_traits.py::test_cli_login_refresh_and_logout" in kept


def test_code_needs_no_python_newer_than_requires_python() -> None:
    """vermin reads every module and names any syntax or stdlib use (tomllib, datetime.UTC,
    ExceptionGroup, ...) newer than the target."""
    folders = ["server", "jupyter_ext", "tests", "benchmarks"]
    code = "import sys, vermin; sys.exit(vermin.main())"  # vermin has no __main__
    out = subprocess.run(
        [sys.executable, "-c", code, f"-t={oldest_python()}-", "--no-tips", "--violations",
         *folders], cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stdout[-3000:]
    assert "Target versions not met" not in out.stdout
    ruff_target = re.search(r'^target-version = "py(\d)(\d+)"$',
                            (REPO / "pyproject.toml").read_text(), re.MULTILINE)
    assert ruff_target and ".".join(ruff_target.groups()) == oldest_python()


def test_checkouts_keep_lf_line_endings_on_windows_too() -> None:
    rules = (REPO / ".gitattributes").read_text().splitlines()
    assert "* text=auto eol=lf" in rules


def test_platform_marks_are_registered() -> None:
    from conftest import _PLATFORM_MARKS

    text = (REPO / "pyproject.toml").read_text()
    for name in _PLATFORM_MARKS:
        assert f'    "{name}: ' in text, f"marker {name} is not in pyproject.toml"


def test_the_workflow_names_no_path_of_this_machine() -> None:
    # No absolute path at all (POSIX or Windows): a runner has none of this machine's.
    text = WORKFLOW.read_text()
    absolute = re.findall(r"""(?:^|[\s'"=])(/\w[^\s'"]*|[A-Za-z]:\\[^\s'"]*)""", text, re.M)
    assert absolute == []
    assert Path(WORKFLOW).suffix == ".yml"
