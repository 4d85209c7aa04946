"""Property-based fuzzing of everything a person or a client types: verification codes,
profile names, regions, endpoint URLs, and the CLI's own arguments.

Invariants: the engine answers with a LoginBridgeError of a documented kind (never another
exception, so never a traceback), the message does not repeat a pasted code, the files
stay byte for byte as they were, and a wrong code leaves the pending login usable.
"""

from __future__ import annotations

import base64
import subprocess
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aws_login_bridge.emulator import person
from aws_login_bridge.errors import LoginBridgeError
from aws_login_bridge.login import PendingLogin, complete_login, start_login
from aws_login_bridge.signin.trusted_url import is_loopback_host
from aws_login_bridge.signin.verification import parse_verification_code
from aws_login_bridge.store.configfile import validate_profile_name

from . import tally
from .support import ARN, KINDS, cache_file, fresh_home, fuzz, snapshot

STATE = "8f14e45f-ceea-467a-9b0b-9d7a5b9a0f6e"
# Lone surrogates included: JSON-RPC can carry "\ud800" to the helper's completeLogin.
ANY_TEXT = st.text(st.characters(), max_size=300)
PLAIN = st.characters(blacklist_categories=("Cs",))


# -- verification codes -----------------------------------------------------------------


def b64(text: str | bytes, *, pad: bool = True, alphabet: str = "std") -> str:
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    out = (base64.urlsafe_b64encode if alphabet == "url" else base64.b64encode)(raw).decode()
    return out if pad else out.rstrip("=")


PARAM_VALUE = st.one_of(
    st.just(""), st.text(PLAIN, max_size=40), st.just(STATE), st.just("x" * 600),
    st.text(st.characters(min_codepoint=0x80, blacklist_categories=("Cs",)), min_size=1,
            max_size=10),
)


@st.composite
def query_strings(draw: st.DrawFn) -> str:
    """``code=…&state=…`` with parts missing, doubled, reordered, extra or malformed."""
    pairs: list[tuple[str, str]] = []
    if draw(st.booleans()):
        pairs.append(("code", draw(PARAM_VALUE)))
    if draw(st.booleans()):
        pairs.append(("state", draw(st.sampled_from([STATE, STATE.upper(), STATE + " ", ""]))))
    for _ in range(draw(st.integers(0, 3))):
        pairs.append((draw(st.sampled_from(["code", "state", "extra", "Code", "", "="])),
                      draw(PARAM_VALUE)))
    pairs = draw(st.permutations(pairs))
    text = urlencode(pairs)
    return draw(st.sampled_from([text, text.replace("&", ";"), text + "&", "&" + text,
                                 text.replace("=", "", 1), text + "#frag"]))


@st.composite
def pasted_codes(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["text", "bytes", "query", "query", "query", "huge", "ws"]))
    if kind == "text":
        return draw(ANY_TEXT)
    if kind == "bytes":
        return b64(draw(st.binary(max_size=200)), pad=draw(st.booleans()),
                   alphabet=draw(st.sampled_from(["std", "url"])))
    if kind == "huge":
        return draw(st.sampled_from(["A", "QUFB", "=", "\u00e9"])) * draw(
            st.sampled_from([8193, 20000, 100000]))
    code = b64(draw(query_strings()), pad=draw(st.booleans()),
               alphabet=draw(st.sampled_from(["std", "std", "url"])))
    if kind == "ws":  # whitespace and line breaks a terminal or a browser may add
        cut = draw(st.integers(0, len(code)))
        code = code[:cut] + draw(st.sampled_from([" ", "\n", "\r\n", "\t", "\u00a0", "\u200b"])) \
            + code[cut:]
    return code


@fuzz(3000)
@given(pasted_codes())
@example("")
@example(b64("code=abc&state=" + STATE + "&state=" + STATE))
@example(b64("code=abc&code=def&state=" + STATE))
@example(b64("code=%ZZ&state=" + STATE))
@example(b64("code=\x00&state=" + STATE))
@example(b64(b"\xff\xfe" + b"code=abc&state=" + STATE.encode()))
def test_parse_verification_code_only_ever_says_invalid_or_mismatch(pasted: str) -> None:
    tally.count("inputs.verification_code")
    try:
        code = parse_verification_code(pasted, STATE)
    except LoginBridgeError as error:
        assert error.kind in ("InvalidCode", "StateMismatch")
        long_enough = len(pasted.strip()) >= 12
        assert not (long_enough and pasted.strip() in error.message), "message repeats the code"
        return
    # Accepted: then it really was a code for this state, and the code is sendable.
    assert code and code.isprintable() and len(code) <= 512


@pytest.fixture
def pending(aws_home: Any) -> PendingLogin:
    aws_home.config.write_text("[profile f]\nregion = us-east-1\noutput = json\n")
    login = start_login("f")
    yield login
    login.close()


@fuzz(300)
@given(pasted_codes())
def test_wrong_codes_write_nothing_and_keep_the_login(aws_home: Any, pending: PendingLogin,
                                                      pasted: str) -> None:
    """The real complete_login: a bad paste is refused before anything is sent."""
    tally.count("inputs.verification_code_engine")
    before = snapshot(aws_home.root)
    try:
        complete_login(pending, pasted.replace(STATE, pending.state))
    except LoginBridgeError as error:
        assert error.kind in KINDS
        if error.kind not in ("InvalidCode", "StateMismatch"):
            # It decoded to a code for this login: the emulator refused the made-up code.
            assert error.kind in ("AuthCodeExpired", "ServiceError")
            pending.grant = None
    else:  # pragma: no cover - a random code cannot be a real one
        pytest.fail("a made-up code was accepted")
    assert snapshot(aws_home.root) == before
    assert pending.grant is None


def test_the_pending_login_still_finishes_after_every_bad_paste(aws_home: Any) -> None:
    aws_home.config.write_text("[profile f]\nregion = us-east-1\n")
    login = start_login("f")
    try:
        for bad in ["", "not base64!!", b64("code=a"), b64("state=" + login.state),
                    b64("code=a&state=other"), "A" * 9000]:
            with pytest.raises(LoginBridgeError) as caught:
                complete_login(login, bad)
            assert caught.value.kind in ("InvalidCode", "StateMismatch")
            tally.count("inputs.verification_code_engine")
        result = complete_login(login, person.sign_in(login.authorize_url))
    finally:
        login.close()
    assert result.login_session == ARN
    assert cache_file(aws_home.cache_dir).exists()


# -- profile names, regions, endpoint URLs ----------------------------------------------

PROFILE_NAMES = st.one_of(
    st.text(st.characters(), max_size=140),
    st.text(st.sampled_from("abcXYZ019._@+-/ \\[]\"'#;=:\n\t\u00e9\u200b"), max_size=20),
    st.sampled_from(["default", "profile", "profile x", "DEFAULT", "-", ".", "..", "a" * 128,
                     "a" * 129, "p]\n[profile q", "x\x00", "services", "sso-session"]),
)
REGIONS = st.one_of(
    st.text(st.characters(), max_size=40),
    st.from_regex(r"[a-z]{2}(-[a-z]{2,12}){1,3}-\d{1,3}", fullmatch=True),
    st.sampled_from(["us-east-1", " us-east-1 ", "US-EAST-1", "us-east-1\n", "cn-north-1",
                     "us-gov-west-1", "eu-isoe-west-1", "mars-north-1", "us-east-99",
                     "aws-global", "", "../../etc", "us-east-1.evil.com"]),
)
ENDPOINTS = st.one_of(
    st.text(st.characters(), max_size=60),
    st.builds(lambda scheme, host, port, tail: f"{scheme}://{host}{port}{tail}",
              st.sampled_from(["http", "https", "ftp", "file", "", "HTTP", "javascript"]),
              st.sampled_from(["127.0.0.1", "localhost", "[::1]", "[::1", "::1", "ex ample.com",
                               "", "a" * 300, "user:pw@host", "h\u00e9.com", "%41", "host."]),
              st.sampled_from(["", ":0", ":1", ":65535", ":65536", ":99999", ":-1", ":x", ":"]),
              st.sampled_from(["", "/", "/v1", "?x=1", "#f", "/../", " ", "\n", "//x"])),
)


@fuzz(300)
@given(PROFILE_NAMES)
@example("p]\n[profile q")
def test_profile_names(aws_home: Any, name: str) -> None:
    tally.count("inputs.profile_name")
    try:
        validate_profile_name(name)
    except LoginBridgeError as error:
        assert error.kind == "InvalidInput"
        with pytest.raises(LoginBridgeError) as caught:
            start_login(name, region="us-east-1")
        assert caught.value.kind == "InvalidInput"
        return
    # Accepted names are safe inside a header, and survive botocore's shlex split.
    assert not set(name) & set(" \t\r\n[]\"'#;=:\\")
    login = start_login(name, region="us-east-1")
    login.close()


@fuzz(300)
@given(REGIONS)
@example("us-east-1\n")
@example("\u0661\u0662")
@example("us-0-\u0660")  # found by a deeper run: \d matched an Arabic-Indic digit
def test_regions(aws_home: Any, region: str) -> None:
    tally.count("inputs.region")
    before = snapshot(aws_home.root)
    try:
        login = start_login("p", region=region)
    except LoginBridgeError as error:
        assert error.kind in ("InvalidInput", "RegionRequired"), error.kind
        assert snapshot(aws_home.root) == before
        return
    login.close()
    assert login.region == login.region.strip() and "\n" not in login.region
    assert login.region.isascii()
    assert snapshot(aws_home.root) == before


@fuzz(400)
@given(ENDPOINTS)
@example("http://[::1")
@example("http://127.0.0.1:99999")
@example("http://127.0.0.1:x")
@example("http://ex ample.com")
@example("http://h\u00e9.com")
def test_endpoint_urls(aws_home: Any, url: str) -> None:
    tally.count("inputs.endpoint_url")
    before = snapshot(aws_home.root)
    try:
        login = start_login("p", region="us-east-1", endpoint_url=url)
    except LoginBridgeError as error:
        assert error.kind == "InvalidInput", error.kind
        assert snapshot(aws_home.root) == before
        return
    login.close()
    # Accepted: the authorize URL is on that host, over https (or http to this machine),
    # with a valid port and no user-info.
    parts = urlsplit(login.authorize_url)
    assert parts.scheme == "https" or is_loopback_host(parts.hostname)
    assert parts.hostname and "@" not in parts.netloc
    assert parts.port is None or 0 < parts.port < 65536
    assert parts.hostname == urlsplit(url.strip()).hostname
    assert snapshot(aws_home.root) == before


# -- the CLI, as a subprocess: fuzzed arguments and stdin ------------------------------

CLI_ARG = st.one_of(st.text(st.characters(blacklist_categories=("Cs",),
                                          blacklist_characters="\x00"), max_size=30),
                    st.sampled_from(["--profile", "--region", "--endpoint-url", "--remote", "-y",
                                     "--all", "--json", "--", "-", "--profile=", "--debug"]))


@fuzz(12)
@given(st.sampled_from(["login", "logout", "status", "whoami", "credential-process",
                        "setup-process-profile"]),
       st.lists(CLI_ARG, max_size=5),
       st.text(st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_cli_never_shows_a_traceback(aws_home: Any, command: str, args: list[str],
                                     stdin: str) -> None:
    tally.count("inputs.cli_invocation")
    with fresh_home() as root:
        (root / "config").write_text("[profile p]\nregion = us-east-1\n")
        before = snapshot(root)
        env = dict(aws_home.env)
        env.update({k: str(root / v) for k, v in (("AWS_CONFIG_FILE", "config"),
                   ("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
                   ("AWS_LOGIN_CACHE_DIRECTORY", "login/cache"))})
        argv = [command, *args] if command != "login" else [command, "--remote", *args]
        import sys

        result = subprocess.run([sys.executable, "-m", "aws_login_bridge", *argv], env=env,
                                input=stdin, capture_output=True, text=True, timeout=60,
                                check=False)
        assert "Traceback" not in result.stderr, result.stderr[-2000:]
        # 3: status reporting on a profile that gives no credentials.
        assert result.returncode in (0, 1, 2, 130) or (
            command == "status" and result.returncode == 3), result.returncode
        if command in ("login", "logout", "status", "whoami", "credential-process"):
            assert snapshot(root) == before  # nothing can be written without a real code


# -- cache files damaged by other tools, editors or full disks --------------------------

VALID_PEM_LINE = "MHcCAQEEIO8Cr+QeRj8sB732E3q5tiyKhefGpkf5mL4yXHQg8htpoAoGCCqGSM49"


class Damage:
    """A damaged cache file; its repr names the damage, never the secrets around it."""

    def __init__(self, description: str, data: bytes) -> None:
        self.description = description
        self.data = data

    def __repr__(self) -> str:
        return f"Damage({self.description})"


@st.composite
def damaged_tokens(draw: st.DrawFn, good: dict[str, Any]) -> Damage:
    """A real cache file with one part broken, or something that is not one at all."""
    import copy
    import json

    kind = draw(st.sampled_from(["drop", "retype", "expires", "pem", "raw", "access",
                                 "idtoken"]))
    token = copy.deepcopy(good)
    if kind == "drop":
        key = draw(st.sampled_from(sorted(token)))
        token.pop(key)
        what = f"without {key}"
    elif kind == "retype":
        key = draw(st.sampled_from(sorted(token)))
        token[key] = draw(st.one_of(st.none(), st.integers(), st.lists(st.integers(), max_size=2),
                                    st.text(max_size=5), st.booleans()))
        what = f"{key}={token[key]!r}"
    elif kind == "expires":
        token["accessToken"]["expiresAt"] = draw(st.one_of(
            st.text(max_size=30), st.sampled_from([
                "2020-01-01T00:00:00Z", "2999-01-01T00:00:00Z", "2026-13-01T00:00:00Z",
                "2026-01-01T00:00:00+00:00", "2026-01-01 00:00:00", "", "9999-12-31T23:59:59Z",
                "0001-01-01T00:00:00Z", "2026-02-30T00:00:00Z"]),
            st.integers(), st.none()))
        what = f"expiresAt={token['accessToken']['expiresAt']!r}"
    elif kind == "pem":
        choice = draw(st.sampled_from(["empty", "short", "corrupt", "pkcs8-cut", "rsa"]))
        token["dpopKey"] = {
            "empty": "",
            "short": "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n",
            "corrupt": token["dpopKey"].replace("\n", "\nAAAA", 1),
            "pkcs8-cut": "-----BEGIN PRIVATE KEY-----\n" + VALID_PEM_LINE
                         + "\n-----END PRIVATE KEY-----\n",
            "rsa": "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n"
                   "-----END RSA PRIVATE KEY-----\n",
        }[choice]
        token["accessToken"]["expiresAt"] = "2020-01-01T00:00:00Z"  # so that the key is used
        what = f"dpopKey {choice}"
    elif kind == "access":
        key = draw(st.sampled_from(sorted(token["accessToken"])))
        token["accessToken"][key] = draw(st.one_of(st.none(), st.integers(), st.text(max_size=3)))
        what = f"accessToken.{key}={token['accessToken'][key]!r}"
    elif kind == "idtoken":
        # status and the helper's watcher read the session's start (iat) from it.
        import base64

        iat = draw(st.one_of(st.integers(-(10**20), 10**20), st.floats(), st.text(max_size=5),
                             st.none(), st.just([1])))
        payload = base64.urlsafe_b64encode(json.dumps({"sub": "x", "iat": iat}).encode())
        token["idToken"] = draw(st.sampled_from([
            "e30." + payload.decode().rstrip("=") + ".sig", "not-a-jwt", "a.b.c", "..", "e30.W10.x",
            "e30." + base64.urlsafe_b64encode(b"[" * 50_000 + b"]" * 50_000).decode() + ".x",
        ]))
        what = f"idToken iat={iat!r} ({token['idToken'][:6]}...)"
    else:
        raw = draw(st.one_of(st.binary(max_size=100), st.sampled_from([
            b"", b"null", b"[]", b"{}", b'"x"', b"\xff\xfe{}", b"{" * 100_000,
            b"[" * 100_000 + b"]" * 100_000])))
        if draw(st.booleans()):
            return Damage("the file cut short", json.dumps(good).encode()[:-10])
        return Damage(f"raw {raw[:40]!r}", raw)
    return Damage(what, json.dumps(token).encode())


def test_damaged_cache_files_are_not_logged_in_never_a_crash(aws_home: Any) -> None:
    import contextlib
    import io
    import json

    from aws_login_bridge.bridge import credential_process
    from aws_login_bridge.diagnose import profile_status
    from aws_login_bridge.profiles import login_profile
    from aws_login_bridge.refresh import fresh_credentials

    login = start_login("p", region="us-east-1")
    complete_login(login, person.sign_in(login.authorize_url))
    path = cache_file(aws_home.cache_dir)
    good = json.loads(path.read_bytes())

    @fuzz(150)
    @given(damaged_tokens(good))
    def check(damage: Damage) -> None:
        tally.count("inputs.cache_file")
        path.write_bytes(damage.data)
        try:
            fresh_credentials(login_profile("p"))
        except LoginBridgeError as error:
            assert error.kind in KINDS
        status = profile_status("p")
        assert status.profile == "p"
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = credential_process("p")
        assert code in (0, 1)
        if code:
            assert out.getvalue() == "" and len(err.getvalue().strip().splitlines()) == 1
            assert "unexpected" not in err.getvalue(), err.getvalue()
        else:
            assert json.loads(out.getvalue())["Version"] == 1

    check()


@pytest.mark.parametrize("payload", [b"[" * 50_000 + b"]" * 50_000, b'{"sub":' * 50_000,
                                     b"\xff", b"[]", b'{"sub": ["x"]}', b'{"sub": "arn:x"}'])
def test_id_tokens_the_service_might_send(payload: bytes) -> None:
    """An idToken from the token endpoint is read defensively: ServiceError, never a crash."""
    from aws_login_bridge.signin.idtoken import read_id_token

    tally.count("inputs.id_token")
    token = "e30." + base64.urlsafe_b64encode(payload).decode().rstrip("=") + ".sig"
    with pytest.raises(LoginBridgeError) as caught:
        read_id_token(token)
    assert caught.value.kind == "ServiceError"
