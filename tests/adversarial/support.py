"""Shared by the adversarial tests: fuzzing budgets, throwaway homes, file checks, sockets."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import botocore.configloader
from hypothesis import HealthCheck, settings

from aws_login_bridge.errors import ALL_KINDS

ARN = "arn:aws:sts::123456789012:assumed-role/Developer/console-session"
# The contract's kinds plus the two the engine adds (ConfigError, InvalidInput).
KINDS = frozenset(ALL_KINDS)

# Budgets: the whole suite stays within a few minutes on 2 cores. AWS_LOGIN_BRIDGE_FUZZ_SCALE
# multiplies every budget for a deeper run by hand; CI leaves it at 1. derandomize makes each
# run try the same inputs, so a CI failure reproduces locally.
SCALE = max(1, int(os.environ.get("AWS_LOGIN_BRIDGE_FUZZ_SCALE", "1")))


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


@contextlib.contextmanager
def fresh_home() -> Iterator[Path]:
    """A new empty AWS home for one hypothesis example (endpoints stay on the emulator)."""
    names = ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_LOGIN_CACHE_DIRECTORY")
    saved = {name: os.environ.get(name) for name in names}
    with tempfile.TemporaryDirectory(prefix="adv-") as folder:
        root = Path(folder)
        os.environ["AWS_CONFIG_FILE"] = str(root / "config")
        os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(root / "credentials")
        os.environ["AWS_LOGIN_CACHE_DIRECTORY"] = str(root / "login" / "cache")
        try:
            yield root
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` by a digest of its bytes: equal snapshots mean identical
    files (and no lock file left behind), and a failing comparison prints digests, never
    the secrets in a cache file."""
    return {
        str(p.relative_to(root)): digest(p.read_bytes())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def cache_file(cache_dir: Path, arn: str = ARN) -> Path:
    return cache_dir / (hashlib.sha256(arn.encode()).hexdigest() + ".json")




# -- what must hold after anything ------------------------------------------------------

REQUIRED = ("accessToken", "refreshToken", "dpopKey", "clientId")


def check_files(config: Path, cache_dir: Path) -> list[Path]:
    """The config parses (botocore's own loader) and every cache file is whole.

    Returns the cache files. Leftover temp files (``.NAME.XXXX.tmp``) are allowed: no
    reader opens them (botocore reads the one hashed name; our readers glob ``*.json``).
    """
    if config.exists():
        botocore.configloader.raw_config_parse(str(config))
    files = sorted(cache_dir.glob("*.json")) if cache_dir.exists() else []
    for path in files:
        token = json.loads(path.read_bytes())  # a torn file fails here
        assert isinstance(token, dict) and all(k in token for k in REQUIRED), path.name
        assert re.fullmatch(r"[0-9a-f]{64}\.json", path.name), path.name
    return files


def temp_files(*folders: Path) -> list[Path]:
    return sorted(p for f in folders if f.exists() for p in f.glob(".*.tmp"))


# -- secrets ----------------------------------------------------------------------------


def token_secrets(token: dict[str, Any]) -> set[str]:
    """The secret values of one cache file: keys, tokens and the DPoP key's body lines."""
    access = token.get("accessToken") or {}
    found = {access.get("secretAccessKey"), access.get("sessionToken"),
             token.get("refreshToken"), token.get("idToken")}
    found |= {line for line in str(token.get("dpopKey", "")).splitlines() if "-----" not in line}
    return {s for s in found if isinstance(s, str) and len(s) >= 8}


def cache_secrets(cache_dir: Path) -> set[str]:
    found: set[str] = set()
    for path in cache_dir.glob("*.json") if cache_dir.exists() else []:
        found |= token_secrets(json.loads(path.read_bytes()))
    return found


def code_secrets(verification_code: str) -> set[str]:
    """The verification code as pasted and the authorization code inside it."""
    query = base64.b64decode(verification_code + "=" * (-len(verification_code) % 4)).decode()
    return {verification_code, *parse_qs(query)["code"]}


_VERIFIER_RUN = re.compile(r"[A-Za-z0-9\-._~]{64,}")


def contains_verifier(text: str, challenge: str) -> bool:
    """Whether any 64-character run in ``text`` is the PKCE verifier behind ``challenge``.

    The verifier never leaves the process except in the token request, so the test cannot
    know it; it can recognise it, since SHA-256 of it is the challenge in the authorize URL.
    """
    for match in _VERIFIER_RUN.finditer(text):
        run = match.group(0)
        for start in range(len(run) - 63):
            digest = hashlib.sha256(run[start:start + 64].encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == challenge:
                return True
    return False


# -- sockets a process listens on (from /proc, no psutil) -------------------------------

_LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp
_UNIX_ACCEPTCON = 0x10000


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    return inodes


def _hex_address(text: str) -> tuple[str, int]:
    address, port = text.split(":")
    raw = bytes.fromhex(address)
    if len(raw) == 4:
        host = ".".join(str(b) for b in reversed(raw))
    else:  # IPv6: four little-endian 32-bit words
        words = [raw[i:i + 4][::-1] for i in range(0, 16, 4)]
        host = ":".join(b"".join(words)[i:i + 2].hex() for i in range(0, 16, 2))
    return host, int(port, 16)


def listeners(pid: int) -> list[tuple[str, str, int]]:
    """``(protocol, host, port)`` of every listening or bound-unconnected socket of ``pid``.

    TCP sockets in LISTEN, UDP sockets (any bound one can receive) and listening unix
    sockets; a connected client socket is not a listener.
    """
    inodes = _socket_inodes(pid)
    found = []
    for proto in ("tcp", "tcp6", "udp", "udp6"):
        table = Path(f"/proc/{pid}/net/{proto}")
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if inode not in inodes:
                continue
            if proto.startswith("tcp") and state != _LISTEN:
                continue
            host, port = _hex_address(local)
            found.append((proto, host, port))
    unix = Path(f"/proc/{pid}/net/unix")
    if unix.exists():
        for line in unix.read_text().splitlines()[1:]:
            fields = line.split()
            if fields[6] in inodes and int(fields[3], 16) & _UNIX_ACCEPTCON:
                found.append(("unix", fields[7] if len(fields) > 7 else "", 0))
    return found
