"""A fuzzer for ``aws-login-bridge serve``'s stdin: random and mutated LSP frames (lengths off,
headers bent, bodies cut, flipped, replaced by random JSON, invalid UTF-8, deep nesting, odd
ids and params) and plain random bytes.

After every input the helper must still answer a valid request, and everything it ever
wrote to stdout must be well-formed ``Content-Length`` frames of JSON-RPC 2.0 (the strict
reader in test_rpc_wire.Wire records any violation). Before the next valid request the
test sends a resynchronisation tail — a blank line ends any header block left open, and
enough newlines complete any body left short — exactly what a client recovering from its
own bug would have to do; without it a too-long Content-Length legitimately swallows the
next message.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from conftest import AwsHome
from hypothesis import example, given
from hypothesis import strategies as st
from test_rpc_wire import Wire

from . import tally
from .support import fuzz

METHODS = ["awsLogin/status", "awsLogin/listProfiles", "awsLogin/startLogin",
           "awsLogin/completeLogin", "awsLogin/cancelLogin", "awsLogin/logout",
           "awsLogin/callerIdentity", "initialize", "initialized", "$/cancelRequest",
           "$/setTrace", "workspace/didChangeConfiguration", "textDocument/hover"]
# Never "exit" or "shutdown": those end the session by design (test_rpc_wire covers them).
FORBIDDEN = {"exit", "shutdown"}
MAX_LENGTH = (1 << 20) + 64  # the helper's body limit is 1 MiB; a little over it too

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=4),
    max_leaves=12,
)
IDS = st.one_of(st.integers(-(2**63), 2**63), st.text(max_size=20), st.none(), st.booleans(),
                st.floats(allow_nan=False), st.just({"nested": 1}), st.just([1]))
PARAMS = st.one_of(
    JSON,
    st.fixed_dictionaries({}, optional={
        "profile": st.one_of(st.sampled_from(["default", "p", "x y", ""]), JSON),
        "region": st.one_of(st.sampled_from(["us-east-1", "mars-1"]), JSON),
        "flow": st.one_of(st.sampled_from(["remote", "sideways"]), JSON),
        "loginId": st.one_of(st.text(max_size=20), JSON),
        "code": st.one_of(st.text(max_size=50), JSON),
        "all": JSON, "endpointUrl": st.one_of(st.just("http://[::1"), JSON),
    }),
)


@st.composite
def messages(draw: st.DrawFn) -> Any:
    message: dict[str, Any] = {}
    if draw(st.integers(0, 9)):
        message["jsonrpc"] = draw(st.sampled_from(["2.0", "2.0", "2.0", "1.0", 2.0, None]))
    if draw(st.booleans()):
        message["id"] = draw(IDS)
    method = draw(st.one_of(st.sampled_from(METHODS), st.text(max_size=20), JSON))
    if not (isinstance(method, str) and method in FORBIDDEN):
        message["method"] = method
    if draw(st.booleans()):
        message["params"] = draw(PARAMS)
    if draw(st.integers(0, 15)) == 0:
        return draw(st.sampled_from([[message], [], [message, message], "x", 5, None]))
    return message


def _mutate_body(draw: st.DrawFn, body: bytes) -> bytes:
    kind = draw(st.sampled_from(["flip", "cut", "utf8", "deep", "random"]))
    if kind == "flip" and body:
        at = draw(st.integers(0, len(body) - 1))
        return body[:at] + bytes([body[at] ^ (1 << draw(st.integers(0, 7)))]) + body[at + 1:]
    if kind == "cut":
        return body[: draw(st.integers(0, len(body)))]
    if kind == "utf8":
        at = draw(st.integers(0, len(body)))
        return body[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80",
                                                 b"\x00"])) + body[at:]
    if kind == "deep":
        depth = draw(st.sampled_from([100, 1000, 100_000]))
        return draw(st.sampled_from([b"[" * depth + b"]" * depth,
                                     b'{"a":' * depth + b"1" + b"}" * depth, b"[" * depth]))
    return draw(st.binary(max_size=200))


@st.composite
def frames(draw: st.DrawFn) -> bytes:
    """A frame of a random message; half of them bent in one place: the body, the length,
    the header lines or the separators."""
    body = json.dumps(draw(messages()), ensure_ascii=draw(st.booleans())).encode()
    bend = draw(st.sampled_from(["none"] * 4 + ["body", "length", "headers", "separators"]))
    if bend == "body":
        body = _mutate_body(draw, body)
    length = str(len(body))
    if bend == "length":
        length = draw(st.one_of(
            st.integers(-50, 50).map(lambda d: str(max(0, len(body) + d))),
            st.integers(0, MAX_LENGTH).map(str),
            st.sampled_from(["", "-5", "1e3", "0x10", " 12 ", "99999999999999999999", "NaN",
                             "\u0661\u0662", "12, 13"]),
        ))
    name, sep, eol, blank = "Content-Length", ": ", b"\r\n", b"\r\n"
    if bend == "separators":
        name = draw(st.sampled_from(["content-length", "CONTENT-LENGTH", "Content-Length ",
                                     "Content_Length", "Length"]))
        sep = draw(st.sampled_from([":", ":  ", " : ", "="]))
        eol = draw(st.sampled_from([b"\r\n", b"\n", b"\r"]))
        blank = draw(st.sampled_from([eol, b"", b" "]))
    headers = [f"{name}{sep}{length}".encode()]
    if bend == "headers":
        for line in draw(st.lists(st.sampled_from([
            b"Content-Type: application/vscode-jsonrpc; charset=utf-8", b"X-Other: 1",
            b"Content-Length: 3", b"Content-Length: " + length.encode(), b"no colon",
            b": empty name", b"Content-Type:",
        ]), min_size=1, max_size=2)):
            headers.insert(draw(st.integers(0, len(headers))), line)
    return eol.join(headers) + eol + blank + body


CHUNKS = st.lists(st.one_of(frames(), frames(), st.binary(max_size=300)), min_size=1,
                  max_size=4)


def declared_lengths(data: bytes) -> int:
    """The largest number anywhere after a 'length' in ``data`` (for the resync tail)."""
    import re

    numbers = [int(m) for m in re.findall(rb"(?i)length[^0-9\r\n]{0,4}(\d{1,7})", data)]
    return max(numbers, default=0)


def resync_tail(data: bytes) -> bytes:
    need = min(declared_lengths(data), MAX_LENGTH)
    return b"\r\n\r\n" + b"\n" * (need + 16)


def _framed(message: str) -> bytes:
    body = message.encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


# One input per refusal the dispatcher answers, run before the generated ones: which codes
# the generator reaches depends on what else the test process has imported (Hypothesis
# draws constants from loaded project modules), so the check below must not rest on it.
EACH_REFUSAL = {
    -32700: '{"jsonrpc": "2.0", "id": "e1", "method": ',
    -32600: '{"jsonrpc": "2.0", "id": "e2"}',
    -32601: '{"jsonrpc": "2.0", "id": "e3", "method": "awsLogin/noSuchMethod"}',
    -32602: '{"jsonrpc": "2.0", "id": "e4", "method": "awsLogin/status", "params": {"profile": 5}}',
}


def test_the_helper_survives_random_and_mutated_frames(aws_home: AwsHome) -> None:
    helper = Wire(aws_home.env, log_level="DEBUG")
    # Probe ids no fuzzed message can carry (the fuzz reuses small ids, and its answers
    # land in the same mailbox as Wire.request's numbered ones).
    ids = (f"adversarial-probe-{n}" for n in itertools.count())
    try:
        helper.initialize()

        @fuzz(600)
        @given(CHUNKS)
        @example([_framed(message) for message in EACH_REFUSAL.values()])
        def feed(chunks: list[bytes]) -> None:
            data = b"".join(chunks)
            tally.count("inputs.wire_input")
            tally.count("inputs.wire_frames", len(chunks))
            tally.count("volume.wire_bytes", len(data))
            helper.send_raw(data + resync_tail(data))
            probe = next(ids)
            helper.send({"jsonrpc": "2.0", "id": probe, "method": "awsLogin/listProfiles"})
            answer = helper.answer(probe, timeout=30)
            assert answer.get("result") == {"profiles": []}, answer
            assert helper.proc.poll() is None
            assert not helper.violations, helper.violations

        feed()
        # The inputs really reached the reader and the dispatcher: every kind of refusal
        # was answered, and the generated inputs drew many more refusals than the one
        # input that asks for each.
        errors = [m["error"] for m in helper.messages if isinstance(m.get("error"), dict)]
        tally.count("volume.wire_error_answers", len(errors))
        assert set(EACH_REFUSAL) <= {e.get("code") for e in errors}, errors[:10]
        assert len(errors) > 10 * len(EACH_REFUSAL), len(errors)
        # Still a working helper: the lifecycle ends cleanly.
        probe = next(ids)
        helper.send({"jsonrpc": "2.0", "id": probe, "method": "awsLogin/status",
                     "params": {"profile": "default"}})
        assert helper.answer(probe)["result"]["profile"] == "default"
        # shutdown/exit by hand: Wire.close would number its shutdown like the fuzz did.
        probe = next(ids)
        helper.send({"jsonrpc": "2.0", "id": probe, "method": "shutdown"})
        assert helper.answer(probe) == {"jsonrpc": "2.0", "id": probe, "result": None}
        helper.notify("exit")
        helper.proc.wait(10)
    finally:
        code = helper.close()
    assert not helper.violations, helper.violations
    assert code == 0, helper.stderr[-3000:]
    assert "Traceback" not in helper.stderr, helper.stderr[-3000:]


@fuzz(6)
@given(CHUNKS, st.integers(0, 400))
def test_input_ending_anywhere_is_a_clean_exit(aws_home: AwsHome, chunks: list[bytes],
                                               cut: int) -> None:
    """stdin closing at any point of any input: exit 0, whole frames only, no traceback."""
    helper = Wire(aws_home.env)
    data = b"".join(chunks)
    tally.count("inputs.wire_input")
    tally.count("inputs.wire_eof_cases")
    helper.initialize()
    helper.send_raw(data[: min(cut, len(data))])
    assert helper.proc.stdin is not None
    helper.proc.stdin.close()
    assert helper.proc.wait(30) == 0, helper.stderr[-3000:]
    assert not helper.violations, helper.violations
    assert "Traceback" not in helper.stderr
