"""The sign-in URL worked out without botocore agrees with botocore, and comes first.

``signin/rules.py`` evaluates botocore's own rule set and partitions data; these tests hold
it to botocore's answer for every region of every partition (and a region each partition
only claims by its pattern), and check that it steps aside for whatever it does not follow.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from conftest import PYTHON, AwsHome, CliLogin

from aws_login_bridge.emulator import person
from aws_login_bridge.signin import rules
from aws_login_bridge.signin.endpoints import _resolve_signin_base


def _all_regions() -> list[str]:
    data = rules._rules_data()
    assert data is not None, "botocore's signin rules data was not found"
    known = [region for partition in data[1] for region in sorted(partition["regions"])]
    # For each partition, regions it claims only by its pattern, as a new region would be:
    # a known region's name with another number.
    new = sorted({re.sub(r"\d+$", "9", region) for region in known} - set(known))
    return known + [region for region in new if re.fullmatch(r"[a-z]+(-[a-z0-9]+)+-9", region)]


@pytest.fixture
def plain_home(aws_home: AwsHome, monkeypatch: pytest.MonkeyPatch) -> AwsHome:
    """The AWS home without the emulator's endpoint variables: real AWS endpoints."""
    monkeypatch.delenv("AWS_ENDPOINT_URL_SIGNIN")
    monkeypatch.delenv("AWS_ENDPOINT_URL_STS")
    monkeypatch.setenv("HOME", str(aws_home.root))
    return aws_home


def test_every_partition_resolves_as_botocore_does(plain_home: AwsHome) -> None:
    regions = _all_regions()
    assert {"us-east-1", "cn-north-1", "us-gov-west-1"} <= set(regions)
    differences = {}
    for region in regions:
        quick = rules.predict_signin_base(region, endpoint_url=None, settings={})
        if quick != _resolve_signin_base(region):
            differences[region] = (quick, _resolve_signin_base(region))
    assert differences == {}


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL_SIGNIN", "AWS_ENDPOINT_URL"])
def test_endpoint_variables_resolve_as_botocore_does(plain_home: AwsHome,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     variable: str) -> None:
    monkeypatch.setenv(variable, "https://signin.example.test:8443/")
    for region in ("us-east-1", "cn-north-1"):
        quick = rules.predict_signin_base(region, endpoint_url=None, settings={})
        assert quick == _resolve_signin_base(region) == "https://signin.example.test:8443"
    explicit = "https://explicit.example.test"
    assert (rules.predict_signin_base("us-east-1", endpoint_url=explicit, settings={})
            == _resolve_signin_base("us-east-1", endpoint_url=explicit) == explicit)


@pytest.mark.parametrize(("variable", "setting"), [
    ("AWS_USE_FIPS_ENDPOINT", None), ("AWS_USE_DUALSTACK_ENDPOINT", None),
    ("AWS_DATA_PATH", None), ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", None),
    (None, "use_fips_endpoint"), (None, "use_dualstack_endpoint"), (None, "services"),
    (None, "endpoint_url"), (None, "data_path"),
])
def test_steps_aside_for_what_it_does_not_follow(plain_home: AwsHome,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 variable: str | None,
                                                 setting: str | None) -> None:
    if variable:
        monkeypatch.setenv(variable, "true" if "USE" in variable else str(plain_home.root))
    settings = {setting: "true"} if setting else {}
    assert rules.predict_signin_base("us-east-1", endpoint_url=None, settings=settings) is None


def test_user_models_folder_replaces_botocore_data(plain_home: AwsHome) -> None:
    assert rules.predict_signin_base("us-east-1", endpoint_url=None, settings={})
    (plain_home.root / ".aws" / "models" / "signin").mkdir(parents=True)
    assert rules.predict_signin_base("us-east-1", endpoint_url=None, settings={}) is None
    assert rules.builtin_partitions() is None


def test_unknown_rule_functions_fall_back_to_botocore() -> None:
    ruleset = {"parameters": {"Region": {"builtIn": "AWS::Region", "type": "string"}},
               "rules": [{"conditions": [{"fn": "aws.isVirtualHostableS3Bucket",
                                          "argv": [{"ref": "Region"}]}],
                          "endpoint": {"url": "https://x"}, "type": "endpoint"}]}
    scope = rules._parameters(ruleset["parameters"], {"Region": "us-east-1"},
                              {"AWS::Region": "Region"}, {})
    with pytest.raises(rules._Unsupported):
        rules._evaluate_rules(ruleset["rules"], scope, [])


def test_login_prints_the_url_before_importing_botocore(aws_home: AwsHome) -> None:
    """Everything imported before the URL line is printed: no botocore, awscrt, cryptography."""
    probe = ("import sys, builtins\n"
             "from aws_login_bridge import cli\n"
             "said = cli._say\n"
             "def say(text=''):\n"
             "    said(text)\n"
             "    if text.startswith('http'):\n"
             "        heavy = sorted({m.split('.')[0] for m in sys.modules} & "
             "{'botocore', 'awscrt', 'cryptography', 'boto3'})\n"
             "        print('HEAVY', heavy, file=sys.stderr, flush=True)\n"
             "cli._say = say\n"
             "sys.argv = ['aws-login-bridge', 'login', '--remote', '--profile', 'q', "
             "'--region', 'us-east-1']\n"
             "raise SystemExit(cli.main())\n")
    proc = subprocess.Popen([PYTHON, "-c", probe], env=aws_home.env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    url = next((line.strip() for line in proc.stdout if line.startswith("http")), "")
    assert url
    out, err = proc.communicate(person.sign_in(url) + "\n", timeout=60)
    assert proc.returncode == 0, err
    assert "HEAVY []" in err
    assert "Logged in: profile 'q'" in out
    token = json.loads(next(aws_home.cache_dir.glob("*.json")).read_text())
    assert token["dpopKey"].startswith("-----BEGIN")  # the key was made after the URL


def test_a_config_botocore_cannot_read_fails_before_the_exchange(aws_home: AwsHome,
                                                                 emulator: object) -> None:
    """The quick URL skips botocore's reading of the config; the check still comes before
    any code is spent or anything written."""
    aws_home.config.write_bytes(b"\xef\xbb\xbf[profile b]\nregion = us-east-1\n")
    before = aws_home.snapshot()
    cli = CliLogin(aws_home, "--profile", "b", "--region", "us-east-1")
    result = cli.finish("unused")
    assert result.returncode == 1
    assert "cannot read" in result.stderr and "byte-order mark" in result.stderr
    assert emulator.stats()["token"]["authorization_code"] == 0  # type: ignore[attr-defined]
    assert aws_home.snapshot() == before
