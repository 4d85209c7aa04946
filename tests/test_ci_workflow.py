"""The cross-platform CI workflow cannot run on this machine: these tests keep it valid, in
step with scripts/setup.sh and scripts/test.sh, and the code within its oldest Python."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import PYTEST, REPO, bash, git_bash_candidates

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
    # The oldest Python with the lowest declared dependencies, the newest with the newest.
    assert matrix["include"] == [{"python": oldest_python(), "resolution": "lowest-direct"},
                                 {"python": "3.13", "resolution": "highest"}]
    assert job()["strategy"]["fail-fast"] is False
    assert job()["runs-on"] == "${{ matrix.os }}"


def test_steps_set_up_the_matrix_python_then_run_the_non_browser_entry() -> None:
    steps = job()["steps"]
    uses = [step["uses"] for step in steps if "uses" in step]
    assert [u.split("@")[0] for u in uses] == ["actions/checkout", "actions/setup-python",
                                              "actions/setup-node"]
    # Each action at the commit of its release, that release named beside it.
    assert all(re.fullmatch(r"actions/[\w-]+@[0-9a-f]{40}", u) for u in uses), uses
    for use in uses:
        assert re.search(rf"uses: {re.escape(use)}  # v\d+\.\d+\.\d+$", WORKFLOW.read_text(),
                         re.MULTILINE), use
    setup_python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-py"))
    assert setup_python["with"]["python-version"] == "${{ matrix.python }}"
    setup_node = next(s for s in steps if s.get("uses", "").startswith("actions/setup-node"))
    assert setup_node["with"]["node-version"] == "20"
    assert job()["defaults"]["run"]["shell"] == "bash"  # Windows too: Git Bash
    runs = [step["run"] for step in steps if "run" in step]
    assert runs[0] == "bash scripts/setup.sh --no-browser"
    assert runs[2] == "bash scripts/test.sh --no-browser"
    for step in steps:
        assert set(step) <= {"name", "uses", "with", "run", "env", "if"}, step


def test_the_suite_runs_on_the_matrix_ends_dependencies() -> None:
    """Between set-up and the tests, every declared dependency moves to the job's end of the
    range, by uv's resolution alone (--upgrade: the installed versions are no preference)."""
    steps = job()["steps"]
    names = [step.get("name") for step in steps]
    step = steps[names.index("Dependencies at this end of the range")]
    assert names.index("Set up") < names.index(step["name"]) < names.index("Test")
    assert step["env"] == {"RESOLUTION": "${{ matrix.resolution }}"}
    command = " ".join(step["run"].replace("\\\n", " ").split())
    assert ('python -m uv pip install --python "$VENV_PY" --upgrade --resolution "$RESOLUTION" '
            "-r pyproject.toml --extra dev --extra jupyter") in command
    # uv in the runner's Python, never in the venv under test.
    assert "python -m pip install --quiet uv" in command
    assert not re.search(r"VENV_PY\S* -m pip install", command)


def _smoke_ends() -> dict[str, tuple[str, str]]:
    """scripts/smoke-deps's ENDS, read from its source: {"lowest": (python, resolution)}."""
    source = (SCRIPTS / "smoke-deps").read_text(encoding="utf-8")
    tree = ast.parse(source)
    (ends,) = [node.value for node in tree.body if isinstance(node, ast.Assign)
               and [ast.unparse(t) for t in node.targets] == ["ENDS"]]
    assert isinstance(ends, ast.Dict)
    found = {}
    for key, value in zip(ends.keys, ends.values, strict=True):
        assert isinstance(key, ast.Constant) and isinstance(value, ast.Call)
        found[key.value] = tuple(ast.literal_eval(arg) for arg in value.args)
    return found


def test_the_smoke_script_and_the_workflow_agree_on_the_ends() -> None:
    """scripts/smoke-deps (local, a stage of scripts/test.sh) and the platforms jobs check
    the same two ends: the oldest Python with lowest-direct, 3.13 with highest."""
    by_python = {entry["python"]: entry["resolution"]
                 for entry in job()["strategy"]["matrix"]["include"]}
    assert _smoke_ends() == {"lowest": (oldest_python(), by_python[oldest_python()]),
                             "newest": ("3.13", by_python["3.13"])}
    check = subprocess.run([sys.executable, str(SCRIPTS / "smoke-deps"), "sideways"],
                           capture_output=True, text=True, timeout=60, check=False)
    assert check.returncode == 2 and "lowest" in check.stderr  # usage, nothing installed


def test_the_checkout_keeps_no_token_for_the_tests_to_read() -> None:
    (checkout,) = [s for s in job()["steps"] if s.get("uses", "").startswith("actions/checkout")]
    assert checkout["with"]["persist-credentials"] is False


def test_the_extension_unit_tests_run_on_every_system_with_the_venvs_helper() -> None:
    (step,) = [s for s in job()["steps"] if s.get("name") == "Extension unit tests"]
    # A step of the matrix job: all three systems (both Pythons); not skipped by a failure.
    assert step["if"] == "${{ !cancelled() }}"
    lines = [line.strip() for line in step["run"].splitlines()]
    assert lines[0] == "source scripts/venv.sh"
    assert lines[-3:] == ["cd vscode-client", "npm ci --no-audit --no-fund --loglevel=error",
                          "AWS_LOGIN_BRIDGE_PYTHON=$python npm test"]
    # Windows: npm's script shell is Git Bash by its full path (cmd.exe leaves the test glob
    # unexpanded; a bare "bash" could be WSL's).
    assert 'npm_config_script_shell=$(cygpath -w "$BASH")' in lines
    scripts = json.loads((REPO / "vscode-client" / "package.json").read_text())["scripts"]
    assert "node --test" in scripts["test"]


def test_pytest_timeout_stops_a_hung_test_with_a_thread_on_windows(
        request: pytest.FixtureRequest) -> None:
    from conftest import timeout_method

    assert timeout_method("nt") == "thread"  # Windows has no SIGALRM
    assert timeout_method("posix") == "signal"
    assert request.config.getoption("timeout_method") == timeout_method()


def test_the_real_windows_test_runs_there_and_is_an_expected_skip_elsewhere() -> None:
    import test_windows_sharing
    from conftest import _PLATFORM_MARKS, _expected_skip

    assert test_windows_sharing.pytestmark.name == "windows"
    here, why = _PLATFORM_MARKS["windows"]
    assert here == (os.name == "nt")
    assert _expected_skip(f"Skipped: windows: {why}")


def test_the_scripts_have_the_no_browser_entry() -> None:
    test_sh = (SCRIPTS / "test.sh").read_text()
    branch = test_sh[test_sh.index('if [ "${1-}" = --no-browser ]'):]
    branch = branch[:branch.index("\nfi\n")]
    assert '-m "$NON_BROWSER"' in branch and "pytest" in branch
    assert "source scripts/venv.sh" in test_sh
    setup_sh = (SCRIPTS / "setup.sh").read_text()
    assert '[ "${1-}" = --no-browser ]' in setup_sh
    # Git Bash on Windows: a bare "bash" there finds System32's WSL launcher first.
    for script in ("setup.sh", "test.sh", "venv.sh"):
        check = subprocess.run([bash(), "-n", str(SCRIPTS / script)], capture_output=True,
                               text=True, timeout=30, check=False)
        assert check.returncode == 0, check.stderr


def _collect(*args: str) -> tuple[list[str], str]:
    out = subprocess.run(
        [*PYTEST, "--collect-only", "-q", "-p", "no:cacheprovider", *args], cwd=REPO,
        capture_output=True, text=True, timeout=300, check=False)
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
    assert any(i.startswith("tests/test_windows_sharing.py::") for i in kept)


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


# -- the harness behaves the same on Linux, macOS and Windows --------------------------------

TESTS = REPO / "tests"


def _test_modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8")))
            for path in sorted(TESTS.rglob("*.py")) if "node_modules" not in path.parts]


def _name(node: ast.AST) -> str:
    return ast.unparse(node) if isinstance(node, (ast.Name, ast.Attribute)) else ""


def test_no_test_runs_a_bare_bash() -> None:
    """On Windows CreateProcess finds System32's bash (WSL's launcher) before PATH's."""
    bare = [f"{path.relative_to(REPO)}:{node.lineno}" for path, tree in _test_modules()
            for node in ast.walk(tree)
            if isinstance(node, ast.List) and node.elts
            and isinstance(node.elts[0], ast.Constant) and node.elts[0].value in ("bash", "sh")]
    assert bare == [], "use conftest.bash()"


@pytest.mark.parametrize(("on_path", "git", "expected"), [
    # Windows' own bash (WSL's launcher, the Store's alias) is passed over for Git's.
    (r"C:\Windows\System32\bash.exe", r"C:\Program Files\Git\cmd\git.exe",
     r"C:\Program Files\Git\bin\bash.exe"),
    (r"C:\Users\u\AppData\Local\Microsoft\WindowsApps\bash.exe",
     r"D:\Tools\Git\mingw64\bin\git.exe", r"D:\Tools\Git\bin\bash.exe"),
    # Git Bash's own PATH has its bash first: that one.
    (r"C:\Program Files\Git\usr\bin\bash.exe", None,
     r"C:\Program Files\Git\usr\bin\bash.exe"),
])
def test_windows_bash_is_git_bash_never_wsl(on_path: str, git: str | None,
                                            expected: str) -> None:
    found = {"bash": on_path, "git": git}
    candidates = git_bash_candidates(found.get, r"C:\Windows")  # the first that exists wins
    assert expected in candidates
    assert not [c for c in candidates if "system32" in c.lower() or "windowsapps" in c.lower()]
    if "Git" in on_path:
        assert candidates[0] == on_path


def test_hard_links_fall_back_to_copies() -> None:
    """A hard link never crosses drives: the temp folder and the checkout are on C: and D:
    on Windows runners. Only link_or_copy may link, and it copies when it cannot."""
    linking = []
    for path, tree in _test_modules():
        allowed: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "link_or_copy":
                allowed |= {id(n) for n in ast.walk(node)}
        linking += [f"{path.relative_to(REPO)}:{node.lineno}" for node in ast.walk(tree)
                    if _name(node) in ("os.link", "link") and isinstance(node, ast.Attribute)
                    and id(node) not in allowed]
    assert linking == [], "use test_wheel.link_or_copy"


def _marks(node: ast.FunctionDef, module: ast.Module) -> set[str]:
    decorators = [ast.unparse(d) for d in node.decorator_list]
    for statement in module.body:
        if isinstance(statement, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "pytestmark" for t in statement.targets):
            decorators.append(ast.unparse(statement.value))
    return {m for d in decorators for m in re.findall(r"pytest\.mark\.(\w+)", d)}


def test_a_test_that_needs_root_says_so() -> None:
    """The CI runners are ordinary users: a test that chowns to another user is marked root,
    and so is an expected skip there instead of a failure."""
    unmarked = [f"{path.relative_to(REPO)}::{node.name}" for path, tree in _test_modules()
                for node in ast.walk(tree)
                if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
                and any(isinstance(n, ast.Call) and _name(n.func) == "os.chown"
                        for n in ast.walk(node))
                and "root" not in _marks(node, tree)]
    assert unmarked == []


PROBE = r"""
import subprocess, sys
TEXT = "\u0141ukasz \u7528\u6237 \u00e9"  # none of it in an ANSI code page's ASCII core

def test_a_child_reads_and_writes_what_we_send():
    code = "import sys; t = sys.stdin.read(); assert t == %a, ascii(t); print(t)" % TEXT
    done = subprocess.run([sys.executable, "-c", code], input=TEXT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == TEXT + "\n"
"""


@pytest.mark.parametrize(("flags", "exit_code", "says"), [
    (["-X", "utf8"], 0, "1 passed"),  # as scripts/test.sh runs pytest
    ([], 4, "run them with `python -X utf8 -m pytest`"),
])
def test_test_subprocesses_talk_utf8_whatever_the_locale(tmp_path: Path, flags: list[str],
                                                         exit_code: int, says: str) -> None:
    """Windows' default encoding is its ANSI code page; forced here with an ASCII locale."""
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LC_", "LANG", "PYTHONIOENCODING"))}
    env.update(LC_ALL="C", PYTHONUTF8="0", PYTHONCOERCECLOCALE="0", PYTHONPATH=str(TESTS))
    done = subprocess.run(
        [sys.executable, *flags, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-p", "conftest", "--rootdir", str(tmp_path), str(probe)],
        cwd=tmp_path, env=env, capture_output=True, timeout=120, check=False)
    said = (done.stdout + done.stderr).decode("utf-8", "backslashreplace")
    assert done.returncode == exit_code, said[-3000:]
    assert says in said


def test_the_test_script_runs_pytest_in_utf8_mode() -> None:
    test_sh = (SCRIPTS / "test.sh").read_text()
    assert 'PYTEST=("$VENV_PY" -X utf8 -m pytest ' in test_sh


# -- the release workflow (on `v*` tags) -------------------------------------------------------

RELEASE = REPO / ".github" / "workflows" / "release.yml"


def release_jobs() -> dict[str, Any]:
    loaded = yaml.safe_load(RELEASE.read_text())
    assert isinstance(loaded, dict)
    assert loaded.get("on", loaded.get(True)) == {"push": {"tags": ["v*"]}}
    assert loaded["permissions"] == {}, "no right by default: each job names its own"
    jobs = loaded["jobs"]
    assert isinstance(jobs, dict)
    return jobs


def _steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if s.get("uses", "").split("@")[0] == action]


def test_the_release_builds_with_build_dist_and_uploads_what_it_makes() -> None:
    build = release_jobs()["build"]
    runs = [step["run"] for step in build["steps"] if "run" in step]
    assert runs[0] == "bash scripts/build-dist dist"
    build_dist = (SCRIPTS / "build-dist").read_text()
    # The artifacts' patterns match the files build-dist names.
    assert "aws_login_bridge-*-py3-none-any.whl" in build_dist
    assert "aws_login_bridge-*.tar.gz" in build_dist
    assert '"$OUT/aws-login-bridge-$version.vsix"' in build_dist
    uploads = {s["with"]["name"]: s["with"]["path"].split()
               for s in _steps_using(build, "actions/upload-artifact")}
    assert uploads == {"python-dist": ["dist/*.whl", "dist/*.tar.gz"], "vsix": ["dist/*.vsix"]}
    # build-dist's own needs: the Node the platforms run, a Python the project supports.
    (node,) = _steps_using(build, "actions/setup-node")
    assert node["with"]["node-version"] == "20"
    (python,) = _steps_using(build, "actions/setup-python")
    assert python["with"]["python-version"] in {oldest_python(), "3.13"}


def _runs(job: dict[str, Any]) -> str:
    return "\n".join(step["run"] for step in job["steps"] if "run" in step)


def test_the_release_publishes_only_after_the_smoke_test_of_the_built_files() -> None:
    jobs = release_jobs()
    smoke = jobs["smoke"]
    assert smoke["needs"] == "build"
    assert jobs["pypi"]["needs"] == jobs["marketplaces"]["needs"] == "smoke"
    assert set(jobs["github-release"]["needs"]) == {"pypi", "marketplaces"}
    downloads = {s["with"]["name"]: s["with"]["path"]
                 for s in _steps_using(smoke, "actions/download-artifact")}
    assert downloads == {"python-dist": "dist", "vsix": "dist"}
    (publish,) = _steps_using(jobs["pypi"], "pypa/gh-action-pypi-publish")
    assert publish["with"]["packages-dir"] == "dist"
    (dist,) = _steps_using(jobs["pypi"], "actions/download-artifact")
    assert dist["with"]["name"] == "python-dist", "PyPI gets the wheel and sdist, not the .vsix"


def test_the_release_smoke_runs_the_built_files_on_the_system_setup_sh_installs() -> None:
    smoke = release_jobs()["smoke"]
    # Debian, as this suite's machine: setup.sh's apt packages (Chromium) exist there.
    assert smoke["container"]["image"].startswith("debian:")
    setup_sh = (SCRIPTS / "setup.sh").read_text()
    assert '[ "${1-}" = --system-only ] && system_only=true' in setup_sh
    run = _runs(smoke)
    assert "bash scripts/setup.sh --system-only" in run
    # The tests' venv has the package from the wheel, never from the checkout.
    assert 'python3 -m venv .venv\n.venv/bin/python -m pip install --quiet ' \
        '"$(ls dist/*.whl)[dev,jupyter]"' in run
    assert "pip install -e" not in run
    (dist_step,) = [s for s in smoke["steps"] if "tests/test_dist.py" in s.get("run", "")]
    assert dist_step["env"] == {"AWS_LOGIN_BRIDGE_DIST": "dist"}
    assert 'os.environ.get("AWS_LOGIN_BRIDGE_DIST")' in (REPO / "tests/test_dist.py").read_text()
    # The .vsix from dist in code-server, its helper the wheel in a venv of its own.
    (vsix_step,) = [s for s in smoke["steps"] if "tests/e2e_vscode/" in s.get("run", "")]
    lines = [line.strip() for line in vsix_step["run"].splitlines()]
    assert 'python3 -m venv "$RUNNER_TEMP/helper"' in lines
    assert '"$RUNNER_TEMP/helper/bin/python" -m pip install --quiet "$(ls dist/*.whl)"' in lines
    assert 'export AWS_LOGIN_BRIDGE_VSIX="$PWD/$(ls dist/*.vsix)"' in lines
    assert 'export AWS_LOGIN_BRIDGE_PYTHON="$RUNNER_TEMP/helper/bin/python"' in lines
    harness = (REPO / "tests/e2e_vscode/vscode_harness.py").read_text()
    for name in ("AWS_LOGIN_BRIDGE_VSIX", "AWS_LOGIN_BRIDGE_PYTHON"):
        assert f'os.environ.get("{name}")' in harness, f"the VS Code tests do not read {name}"
    # Both code-servers the login test runs on; the newest is install-code-server's default.
    oldest = re.search(r'^OLDEST_CODE_SERVER = "([\d.]+)"$', harness, re.MULTILINE)
    assert oldest and f"CODE_SERVER_VERSION={oldest.group(1)} " in setup_sh
    newest = re.search(r'^NEWEST_CODE_SERVER = "([\d.]+)"$', harness, re.MULTILINE)
    assert newest and f'VERSION="${{CODE_SERVER_VERSION:-{newest.group(1)}}}"' in (
        REPO / "vscode-client/scripts/install-code-server.sh").read_text()
    named = re.findall(r"tests/[\w/]+\.py", run)
    assert named and all((REPO / name).is_file() for name in named), named


def test_the_release_jobs_hold_least_rights_and_no_stray_secrets() -> None:
    jobs = release_jobs()
    rights = {name: job["permissions"] for name, job in jobs.items()}
    assert rights == {
        "build": {"contents": "read"},
        "smoke": {"contents": "read"},
        "pypi": {"id-token": "write"},
        "marketplaces": {},
        "github-release": {"contents": "write", "id-token": "write", "attestations": "write"},
    }
    text = RELEASE.read_text()
    assert set(re.findall(r"secrets\.(\w+)", text)) == {"VSCE_PAT", "OVSX_PAT"}
    assert jobs["marketplaces"]["environment"] == "marketplace"
    assert jobs["pypi"]["environment"] == "pypi"
    for job in jobs.values():
        for step in job["steps"]:
            # An expression inside a script is template injection; values come in by env.
            assert "${{" not in step.get("run", ""), step
    for job in jobs.values():
        for checkout in _steps_using(job, "actions/checkout"):
            assert checkout["with"]["persist-credentials"] is False
    # The jobs that hold a publishing right or a secret run no code of the checkout.
    for name in ("pypi", "marketplaces", "github-release"):
        assert not _steps_using(jobs[name], "actions/checkout"), name


def test_the_release_uses_the_platforms_pins_and_pins_every_action_to_a_commit() -> None:
    pinned = {u.split("@")[0]: u for u in re.findall(r"uses: (\S+)", WORKFLOW.read_text())}
    uses = re.findall(r"uses: (\S+)", RELEASE.read_text())
    assert "pypa/gh-action-pypi-publish" in {u.split("@")[0] for u in uses}
    for use in uses:
        action = use.split("@")[0]
        if action in pinned:
            assert use == pinned[action], f"{action} differs from platforms.yml's"
        # The commit its release tag names, and that tag beside it.
        assert re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", use), use
        assert re.search(rf"uses: {re.escape(use)}  # v\d+\.\d+\.\d+$", RELEASE.read_text(),
                         re.MULTILINE), use


def test_release_check_runs_what_the_release_runs_short_of_publishing() -> None:
    check = (SCRIPTS / "release-check").read_text()
    jobs = release_jobs()
    assert _runs(jobs["build"]).startswith("bash scripts/build-dist dist")
    assert 'bash scripts/build-dist "$OUT/dist"' in check
    # The same smoke test of the built files, on the folder each one built.
    assert ("-m pytest -q -p no:cacheprovider tests/test_dist.py" in _runs(jobs["smoke"])
            and "AWS_LOGIN_BRIDGE_DIST=$OUT/dist \"${PYTEST[@]}\" tests/test_dist.py" in check)
    assert 'PYTEST=("$VENV_PY" -X utf8 -m pytest -q -p no:cacheprovider)' in check
    for checker in ('zizmor" --offline --quiet .github/workflows',
                    "--builtin-schema vendor.github-workflows .github/workflows/*.yml",
                    'twine" check --strict'):
        assert checker in check, checker
    # test_dist reuses this build: the stamp it reads is the one written here.
    assert "test-artifacts/release-check" in check
    assert 'REPO / "test-artifacts" / "release-check"' in (
        REPO / "tests/test_dist.py").read_text()
    commands = "\n".join(line for line in check.splitlines() if not line.startswith("#"))
    assert not re.search(r"vsce|ovsx|upload|pypi-publish|gh release", commands)
    done = subprocess.run([bash(), "-n", str(SCRIPTS / "release-check")], capture_output=True,
                          text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr


def test_the_full_local_run_checks_the_release_and_the_lowest_dependencies() -> None:
    """scripts/test.sh with no argument runs scripts/release-check and the lowest end of
    scripts/smoke-deps as stages of their own, before the pytest stages; the one pytest file
    it leaves out of the non-browser stage is test_dist, which release-check runs."""
    lines = [line.strip() for line in (SCRIPTS / "test.sh").read_text().splitlines()]
    text = "\n".join(lines)
    release = text.index("bash scripts/release-check")
    lowest = text.index('"$VENV_PY" scripts/smoke-deps lowest')
    non_browser = text.index('"${PYTEST[@]}" -m "$NON_BROWSER" --ignore=tests/test_dist.py')
    browser = text.index('"${PYTEST[@]}" -m browser')
    assert release < lowest < non_browser < browser
    assert text.count("--ignore=") == 1
    assert "tests/test_dist.py" in (SCRIPTS / "release-check").read_text()
