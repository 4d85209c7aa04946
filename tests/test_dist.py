"""``scripts/build-dist``: the wheel, the sdist and the .vsix carrying that same wheel, and
what the README's install sections promise from those files on a fresh Python: the wheel
gives the ``aws-login-bridge`` command and the Jupyter extension (``%load_ext
aws_login_jupyter`` with the ``[jupyter]`` extra, as the README says).

The files under test: the folder ``AWS_LOGIN_BRIDGE_DIST`` names (release.yml's smoke job
and ``scripts/release-check`` set it), else the build ``scripts/release-check`` left in
test-artifacts/release-check while no file of the tree is newer than it (``scripts/test.sh``
runs both: one build), else a build of the tree made here.

The fresh environment gets its dependencies from pip's own configuration, like a person's
(or from uv's, where ``AWS_LOGIN_BRIDGE_UV`` names one).
"""

from __future__ import annotations

import email.parser
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import bash

from aws_login_bridge import __version__

REPO = Path(__file__).resolve().parents[1]
RELEASE_CHECK = REPO / "test-artifacts" / "release-check"

pytestmark = pytest.mark.slow


def tree_changed_since(stamp: Path) -> list[str]:
    """The tree's files (tracked, or untracked and not ignored) changed after ``stamp`` was
    touched, or gone since; everything when git cannot say."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, timeout=60, check=False)
    if listed.returncode != 0:
        return ["(git ls-files failed)"]
    since = stamp.stat().st_mtime
    changed = []
    for name in filter(None, listed.stdout.decode().split("\0")):
        try:
            if (REPO / name).lstat().st_mtime > since:
                changed.append(name)
        except FileNotFoundError:
            changed.append(name)
    return changed


def test_a_build_is_stale_once_a_file_of_the_tree_changes_after_it(tmp_path: Path) -> None:
    stamp = tmp_path / "built"
    stamp.touch()
    os.utime(stamp, (0, 0))  # built before any file of the tree was written
    assert ".gitattributes" in tree_changed_since(stamp)
    stamp.touch()  # built now: the tree's files are older (unless edited this very moment)
    assert ".gitattributes" not in tree_changed_since(stamp)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    named = os.environ.get("AWS_LOGIN_BRIDGE_DIST")
    if named:
        folder = Path(named).resolve()
        assert folder.is_dir(), f"AWS_LOGIN_BRIDGE_DIST={named} is not a folder"
        return folder
    stamp = RELEASE_CHECK / "built"
    if stamp.exists() and not tree_changed_since(stamp):
        return RELEASE_CHECK / "dist"
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [bash(), str(REPO / "scripts" / "build-dist"), str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHON": sys.executable},
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return out


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, (pattern, sorted(p.name for p in folder.iterdir()))
    return found[0]


def test_build_dist_makes_wheel_sdist_and_vsix_with_that_wheel(dist: Path) -> None:
    wheel = _one(dist, f"aws_login_bridge-{__version__}-py3-none-any.whl")
    sdist = _one(dist, f"aws_login_bridge-{__version__}.tar.gz")
    vsix = _one(dist, "aws-login-bridge-*.vsix")
    assert sorted(p.name for p in dist.iterdir()) == sorted([wheel.name, sdist.name, vsix.name])

    names = zipfile.ZipFile(wheel).namelist()
    assert "aws_login_bridge/cli.py" in names
    assert "aws_login_bridge/emulator/__init__.py" in names
    assert "aws_login_jupyter/magics.py" in names
    # The JupyterLab extension: prebuilt, with its server part switched on.
    data = f"aws_login_bridge-{__version__}.data/data"
    assert f"{data}/share/jupyter/labextensions/aws-login-bridge/package.json" in names
    # Built from the sources for production, whatever build the tree had: @jupyter/builder
    # writes build_log.json only for a development build, the licenses only for production.
    labext = f"{data}/share/jupyter/labextensions/aws-login-bridge"
    assert f"{labext}/build_log.json" not in names
    assert f"{labext}/static/third-party-licenses.json" in names
    assert [n for n in names if n.startswith(labext) and n.endswith(".map")] == []
    assert f"{labext}/install.json" in names
    assert f"{data}/etc/jupyter/jupyter_server_config.d/aws_login_jupyter.json" in names
    entry_points = zipfile.ZipFile(wheel).read(
        f"aws_login_bridge-{__version__}.dist-info/entry_points.txt").decode()
    # The same entry point as python -m, with its credential-process fast lane.
    assert "aws-login-bridge = aws_login_bridge.entry:main" in entry_points

    with tarfile.open(sdist) as tar:
        members = tar.getnames()
    root = f"aws_login_bridge-{__version__}"
    assert f"{root}/pyproject.toml" in members
    assert f"{root}/server/aws_login_bridge/cli.py" in members
    # The labextension's sources, and its build (a wheel from the sdist needs no npm).
    assert f"{root}/jupyter_ext/labextension/src/index.ts" in members
    assert f"{root}/jupyter_ext/aws_login_jupyter/labextension/package.json" in members
    assert not [m for m in members if "/node_modules/" in m]

    packed = zipfile.ZipFile(vsix)
    inner = f"extension/helper/{wheel.name}"
    assert inner in packed.namelist()
    assert hashlib.sha256(packed.read(inner)).hexdigest() == hashlib.sha256(
        wheel.read_bytes()).hexdigest(), "the .vsix carries the very wheel in dist/"


def test_the_wheel_tells_pypi_what_it_is(dist: Path) -> None:
    """The metadata PyPI shows: known classifiers, the Python versions CI runs (requires-python
    up to the newest of the platforms workflow), the JupyterLab extension's kind, the license
    as an SPDX expression with its text, and links to the repository the .vsix names."""
    import trove_classifiers  # hatchling's own dependency, which checks the same at build
    import yaml

    wheel = _one(dist, "aws_login_bridge-*.whl")
    info = f"aws_login_bridge-{__version__}.dist-info"
    with zipfile.ZipFile(wheel) as packed:
        meta = email.parser.Parser().parsestr(packed.read(f"{info}/METADATA").decode())
        names = packed.namelist()
    classifiers = meta.get_all("Classifier") or []
    assert sorted(set(classifiers) - trove_classifiers.classifiers) == []
    assert sorted(set(classifiers) & set(trove_classifiers.deprecated_classifiers)) == []
    assert [c for c in classifiers if c.startswith("License ::")] == []
    assert meta["License-Expression"] == "Apache-2.0"
    assert meta.get_all("License-File") == ["LICENSE"] and f"{info}/licenses/LICENSE" in names
    assert (REPO / "LICENSE").read_bytes() == (REPO / "vscode-client/LICENSE").read_bytes()

    pythons = [c.rsplit(" :: ", 1)[1] for c in classifiers
               if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]
    platforms = yaml.safe_load((REPO / ".github/workflows/platforms.yml").read_text())
    tested = [v for job in platforms["jobs"].values()
              for v in job.get("strategy", {}).get("matrix", {}).get("python", [])]
    oldest = meta["Requires-Python"].removeprefix(">=")
    assert oldest in tested
    newest = max(tested, key=lambda v: int(v.split(".")[1]))
    assert pythons == [f"3.{minor}" for minor in range(int(oldest.split(".")[1]),
                                                       int(newest.split(".")[1]) + 1)]
    assert {"Framework :: Jupyter :: JupyterLab :: 4",
            "Framework :: Jupyter :: JupyterLab :: Extensions :: Prebuilt"} <= set(classifiers)
    assert "jupyterlab-extension" in meta["Keywords"].split(",")

    urls = dict(url.split(", ", 1) for url in meta.get_all("Project-URL") or [])
    with zipfile.ZipFile(_one(dist, "aws-login-bridge-*.vsix")) as vsix:
        manifest = json.loads(vsix.read("extension/package.json"))
    repository = manifest["repository"]["url"].removesuffix(".git")
    assert urls["Source"] == urls["Homepage"] == repository
    assert urls["Issues"] == manifest["bugs"]["url"]
    assert urls["Changelog"].startswith(f"{repository}/blob/") and urls["Changelog"].endswith(
        "/CHANGELOG.md")

    # The README as PyPI shows it, outside the repository: every link and image absolute.
    assert meta["Description-Content-Type"] == "text/markdown"
    readme = meta.get_payload()
    assert readme.startswith("# aws-login-bridge")
    assert re.findall(r"\]\((?!https://)[^)]*\)", readme) == []
    assert f"]({repository}/blob/main/docs/releasing.md)" in readme
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", readme)
    assert images and all(i.startswith("https://raw.githubusercontent.com/") for i in images)


def test_the_wheel_installs_the_cli_and_the_jupyter_extension(dist: Path, tmp_path: Path) -> None:
    wheel = _one(dist, "aws_login_bridge-*.whl")
    env_dir = tmp_path / "fresh env"
    # A fresh environment of the base interpreter: nothing from this checkout is visible.
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}

    def pip_install(target: str) -> None:
        # pip, as the README says; or the uv that AWS_LOGIN_BRIDGE_UV names: scripts/
        # release-check's, where pip's index round trips for each package took ~50 s.
        uv = os.environ.get("AWS_LOGIN_BRIDGE_UV")
        command = ([uv, "pip", "install", "--quiet", "--python", str(python), target] if uv
                   else [str(python), "-m", "pip", "install", "-q", target])
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]

    # README, VS Code/Jupyter from files: `pip install dist/aws_login_bridge-…whl`.
    pip_install(str(wheel))
    cli = env_dir / ("Scripts/aws-login-bridge.exe" if os.name == "nt" else "bin/aws-login-bridge")
    shown = subprocess.run([str(cli), "--help"], env=env, capture_output=True, text=True,
                           timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "login" in shown.stdout and "serve" in shown.stdout
    where = subprocess.run(
        [str(python), "-c", "import aws_login_bridge, aws_login_jupyter, sys;"
         "print(aws_login_bridge.__file__); print(aws_login_jupyter.__file__)"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert where.returncode == 0, where.stderr
    for line in where.stdout.splitlines():
        assert Path(line).is_relative_to(env_dir), line

    # `pip install "…whl[jupyter]"`: then the magics load in IPython.
    pip_install(f"{wheel}[jupyter]")
    magics = subprocess.run(
        [str(python), "-c",
         "from IPython.core.interactiveshell import InteractiveShell\n"
         "shell = InteractiveShell.instance()\n"
         "shell.run_line_magic('load_ext', 'aws_login_jupyter')\n"
         "print(sorted(m for m in shell.magics_manager.magics['line'] if m.startswith('aws_')))"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert magics.returncode == 0, magics.stderr[-3000:]
    assert "'aws_login'" in magics.stdout and "'aws_logout'" in magics.stdout, magics.stdout
