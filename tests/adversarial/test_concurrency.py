"""Races between writers of the same files: two logins into one config file, a login or a
logout while a refresh of the same session is on the wire, and botocore refreshing in
another process. No lost update, no torn file.

The in-process tests force the worst interleaving with a barrier right after each writer
has read the config file (with the lock in place the second writer cannot get there, the
barrier times out and it reads the first one's result). The subprocess tests start the
competitor while the emulator holds a refresh answer back (its ``delay`` fault), so the
refresh is certainly in flight when the other writer runs.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable
from typing import Any

import pytest
from conftest import PYTHON, AwsHome, CliLogin, run_cli, wait_for

from aws_login_bridge.bridge import setup_process_profile
from aws_login_bridge.emulator import Fault, person
from aws_login_bridge.login import complete_login, start_login
from aws_login_bridge.store.configfile import ConfigDocument

from . import tally
from .support import ARN, cache_file, check_files

PAST = "2020-01-01T00:00:00Z"
BOTOCORE_REFRESH = ("import botocore.session as s; c = s.Session(profile='p').get_credentials(); "
                    "print(c.get_frozen_credentials().access_key)")




def expire(home: AwsHome) -> dict[str, Any]:
    path = cache_file(home.cache_dir)
    token = json.loads(path.read_bytes())
    token["accessToken"]["expiresAt"] = PAST
    path.write_text(json.dumps(token))
    return token


def login_cli(home: AwsHome, profile: str = "p") -> subprocess.CompletedProcess[str]:
    cli = CliLogin(home, "--profile", profile, "--region", "us-east-1")
    return cli.finish(person.sign_in(cli.url))


class ReadTogether:
    """Makes the first ``parties`` config reads wait for each other (1 s at most)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, parties: int = 2) -> None:
        self.barrier = threading.Barrier(parties, timeout=1.0)
        self.met = False
        original = ConfigDocument.load.__func__  # type: ignore[attr-defined]

        def load(cls: type[ConfigDocument], path: Any) -> ConfigDocument:
            document = original(cls, path)
            try:
                self.barrier.wait()
                self.met = True
            except threading.BrokenBarrierError:
                pass  # the other writer is held off (by the lock): go on alone
            return document

        monkeypatch.setattr(ConfigDocument, "load", classmethod(load))


def run_together(*jobs: Callable[[], object]) -> list[object]:
    results: list[object] = [None] * len(jobs)

    def run(n: int) -> None:
        try:
            results[n] = jobs[n]()
        except BaseException as error:  # reported below
            results[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_two_logins_into_one_config_file_both_survive(aws_home: AwsHome,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    aws_home.config.write_text("# shared\n[default]\noutput = json\n")
    pendings = [start_login(name, region="us-east-1") for name in ("a", "b")]
    codes = [person.sign_in(p.authorize_url) for p in pendings]
    together = ReadTogether(monkeypatch)
    results = run_together(*(lambda p=p, c=c: complete_login(p, c)
                             for p, c in zip(pendings, codes, strict=True)))
    tally.count("races.login_vs_login")
    assert not [r for r in results if isinstance(r, BaseException)], results
    profiles = ConfigDocument.load(aws_home.config).profiles()
    assert profiles["a"]["login_session"] == ARN and profiles["b"]["login_session"] == ARN
    assert profiles["default"] == {"output": "json"}
    assert not together.met  # the lock kept the second read after the first write
    check_files(aws_home.config, aws_home.cache_dir)


def test_login_and_setup_process_profile_at_once_both_survive(
    aws_home: AwsHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert login_cli(aws_home, "src").returncode == 0
    pending = start_login("fresh", region="us-east-1")
    code = person.sign_in(pending.authorize_url)
    ReadTogether(monkeypatch)
    results = run_together(lambda: complete_login(pending, code),
                           lambda: setup_process_profile("src", None))
    tally.count("races.login_vs_setup_process_profile")
    assert not isinstance(results[0], BaseException) and results[1] == 0, results
    profiles = ConfigDocument.load(aws_home.config).profiles()
    assert profiles["fresh"]["login_session"] == ARN
    assert "credential_process" in profiles["src-process"]
    assert profiles["src"]["login_session"] == ARN


@pytest.mark.parametrize("round_", range(3))
def test_two_cli_logins_finishing_together(aws_home: AwsHome, round_: int) -> None:
    """The same race between real processes (no barrier: whatever the timing, no loss)."""
    aws_home.config.write_text("[default]\noutput = json\n")
    clis = [CliLogin(aws_home, "--profile", name, "--region", "us-east-1")
            for name in ("x", "y", "z")]
    codes = [person.sign_in(cli.url) for cli in clis]
    for cli, code in zip(clis, codes, strict=True):
        assert cli.proc.stdin is not None
        cli.proc.stdin.write(code + "\n")
    for cli in clis:
        assert cli.proc.stdin is not None
        cli.proc.stdin.flush()
        cli.proc.stdin.close()
    assert [cli.proc.wait(60) for cli in clis] == [0, 0, 0]
    tally.count("races.cli_logins_together")
    profiles = ConfigDocument.load(aws_home.config).profiles()
    assert {name for name in ("x", "y", "z") if profiles.get(name, {}).get("login_session")} \
        == {"x", "y", "z"}


def _refresh_in_flight(home: AwsHome, emulator: Any, argv: list[str]) -> subprocess.Popen[str]:
    """Start ``argv`` (it refreshes the expired session) and return once the emulator holds
    its refresh request: from here until the delay ends, the refresh is on the wire."""
    emulator.add_fault(Fault(target="refresh_token", delay=3))
    tally.count("faults.delay")
    before = emulator.stats()["token"]["refresh_token"]
    proc = subprocess.Popen(argv, env=home.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    wait_for(lambda: emulator.stats()["token"]["refresh_token"] > before, "the refresh request")
    return proc


def test_login_while_a_refresh_is_in_flight_keeps_the_new_login(aws_home: AwsHome,
                                                               emulator: Any) -> None:
    """A re-login must not be overwritten by the old session's refresh finishing after it:
    that would put back the old DPoP key and refresh token, and the fresh 12-hour session
    would be lost."""
    assert login_cli(aws_home).returncode == 0
    old = expire(aws_home)
    cli = CliLogin(aws_home, "--profile", "p", "--region", "us-east-1")
    code = person.sign_in(cli.url)
    refresher = _refresh_in_flight(aws_home, emulator, [PYTHON, "-m", "aws_login_bridge",
                                                        "credential-process", "--profile", "p"])
    result = cli.finish(code)
    assert result.returncode == 0, result.stderr
    _, err = refresher.communicate(timeout=60)
    assert refresher.returncode == 0, err
    tally.count("races.login_vs_refresh")
    final = json.loads(cache_file(aws_home.cache_dir).read_bytes())
    # Booleans, so that a failure does not print the keys and tokens.
    kept_old_key = final["dpopKey"] == old["dpopKey"]
    kept_old_id = final["idToken"] == old["idToken"]
    assert not kept_old_key, "the old session's refresh overwrote the login"
    assert not kept_old_id
    check_files(aws_home.config, aws_home.cache_dir)
    assert run_cli(aws_home, "credential-process", "--profile", "p").returncode == 0


def test_login_while_botocore_refreshes_leaves_a_whole_working_file(aws_home: AwsHome,
                                                                   emulator: Any) -> None:
    """botocore takes no lock, so which write lands last is up to timing; either way the
    file is whole and its credentials work (see the module docstring for what is lost)."""
    assert login_cli(aws_home).returncode == 0
    old = expire(aws_home)
    cli = CliLogin(aws_home, "--profile", "p", "--region", "us-east-1")
    code = person.sign_in(cli.url)
    refresher = _refresh_in_flight(aws_home, emulator, [PYTHON, "-c", BOTOCORE_REFRESH])
    assert cli.finish(code).returncode == 0
    _, err = refresher.communicate(timeout=60)
    assert refresher.returncode == 0, err
    tally.count("races.login_vs_botocore_refresh")
    [path] = check_files(aws_home.config, aws_home.cache_dir)
    final = json.loads(path.read_bytes())
    assert final["accessToken"]["accessKeyId"] != old["accessToken"]["accessKeyId"]
    who = run_cli(aws_home, "whoami", "--profile", "p")  # STS accepts what the file holds
    assert who.returncode == 0 and json.loads(who.stdout)["Arn"] == ARN, who.stderr


def test_logout_during_a_refresh_stays_logged_out(aws_home: AwsHome, emulator: Any) -> None:
    """The refresh finishing after the logout must not write the session back."""
    assert login_cli(aws_home).returncode == 0
    expire(aws_home)
    refresher = _refresh_in_flight(aws_home, emulator, [PYTHON, "-m", "aws_login_bridge",
                                                        "credential-process", "--profile", "p"])
    out = run_cli(aws_home, "logout", "--profile", "p")
    assert out.returncode == 0, out.stderr
    refresher.communicate(timeout=60)
    tally.count("races.logout_vs_refresh")
    assert not cache_file(aws_home.cache_dir).exists(), "the refresh brought the session back"
    status = json.loads(run_cli(aws_home, "status", "--profile", "p", "--json").stdout)
    assert "CacheMissing" in [p["kind"] for p in status["problems"]]


def test_logout_all_during_a_refresh_stays_logged_out(aws_home: AwsHome,
                                                      emulator: Any) -> None:
    assert login_cli(aws_home).returncode == 0
    expire(aws_home)
    refresher = _refresh_in_flight(aws_home, emulator, [PYTHON, "-m", "aws_login_bridge",
                                                        "credential-process", "--profile", "p"])
    assert run_cli(aws_home, "logout", "--all").returncode == 0
    refresher.communicate(timeout=60)
    tally.count("races.logout_all_vs_refresh")
    assert not list(aws_home.cache_dir.glob("*.json"))
