"""How fast is the JSON-RPC helper (``aws-login-bridge serve``)?

One run, one table, against ``python -c "import botocore.session"`` as the baseline process
(what any AWS tool in Python pays before doing anything):

- cold start: a fresh ``serve`` process from spawn until its ``initialize`` answer has been
  read (then ``shutdown``/``exit``), alternating round by round with the baseline so that
  drift in machine load hits both alike; target: at most 2x the baseline;
- warm ``awsLogin/startLogin`` round trip through ``HelperClient`` (the Jupyter path), on a
  helper that has served one already; target: median under 20 ms;
- warm ``awsLogin/status`` round trip for a logged-in profile (read from the files);
- resident memory (Linux): a fresh helper after ``initialize`` (and its engine warm-up),
  then after one ``awsLogin/status`` and one ``awsLogin/listProfiles`` of a logged-in
  profile, next to ``python -c "import botocore.session"``; target: status adds at most
  3 MiB (it reads files and never imports botocore);
- a process that imports the Python client (``aws_login_bridge.rpc.client``), and one that
  imports the IPython extension (``aws_login_jupyter``, as ``%load_ext`` or a kernel's
  configured extensions do): what a Jupyter kernel pays before its first ``%aws_login`` can
  start the helper.

It brings its own emulator and a throwaway AWS home; nothing outside a temp folder is
touched. Exit status 1 if a target is missed.

    .venv/bin/python benchmarks/bench_helper.py [--rounds 20] [--calls 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from report import ms, run, sample, timing_environment

from aws_login_bridge.emulator import Emulator, isolated_environment, person
from aws_login_bridge.rpc.client import HelperClient
from aws_login_bridge.rpc.frames import encode

PYTHON = sys.executable
SERVE = [PYTHON, "-m", "aws_login_bridge", "serve", "--log-level", "WARNING"]
PROFILE = "bench"


def frame(message: dict[str, object]) -> bytes:
    return encode(json.dumps(message).encode())


def read_frame(stream: object) -> dict[str, object]:
    length = 0
    while (line := stream.readline()) not in (b"\r\n", b""):  # type: ignore[attr-defined]
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return json.loads(stream.read(length))  # type: ignore[attr-defined]


def python_c(env: dict[str, str], code: str) -> float:
    return run([PYTHON, "-c", code], env)[0]


def baseline(env: dict[str, str]) -> float:
    return python_c(env, "import botocore.session")


def cold_start(env: dict[str, str]) -> float:
    """Spawn to the ``initialize`` answer, over raw pipes (no client library in the way)."""
    start = time.perf_counter()
    proc = subprocess.Popen(SERVE, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(frame({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                            "params": {"processId": None, "rootUri": None,
                                       "capabilities": {}}}))
    proc.stdin.flush()
    answer = read_frame(proc.stdout)
    elapsed = time.perf_counter() - start
    if "result" not in answer:
        raise SystemExit(f"initialize failed: {answer}")
    proc.stdin.write(frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
                     + frame({"jsonrpc": "2.0", "method": "exit"}))
    proc.stdin.close()
    if proc.wait(30) != 0:
        raise SystemExit("the helper did not exit cleanly")
    return elapsed


MIB = 1024 * 1024
STATUS_GROWTH_TARGET = 3 * MIB


def resident(pid: int) -> int | None:
    """VmRSS of a live process in bytes (Linux; None elsewhere)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def baseline_memory(env: dict[str, str]) -> int | None:
    """Peak resident memory of ``python -c "import botocore.session"`` (Linux: KiB)."""
    code = ("import botocore.session, resource; "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([PYTHON, "-c", code], env=env, capture_output=True, text=True,
                         check=False)
    return int(out.stdout) * 1024 if out.returncode == 0 and sys.platform == "linux" else None


def helper_memory(env: dict[str, str]) -> dict[str, int | None]:
    """A fresh helper's VmRSS after initialize (warm-up done), after one status and after
    one listProfiles of the logged-in PROFILE."""
    proc = subprocess.Popen([*SERVE[:-1], "DEBUG"], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    warmed = threading.Event()

    def watch_log() -> None:  # the warm-up says when the engine is imported
        for line in proc.stderr:  # type: ignore[union-attr]
            if b"engine imported in" in line or b"warm-up import failed" in line:
                warmed.set()

    threading.Thread(target=watch_log, daemon=True).start()

    def ask(msg_id: int, method: str, params: object) -> None:
        proc.stdin.write(frame({"jsonrpc": "2.0", "id": msg_id, "method": method,  # type: ignore[union-attr]
                                "params": params}))
        proc.stdin.flush()  # type: ignore[union-attr]
        while read_frame(proc.stdout).get("id") != msg_id:
            pass  # a notification (sessionChanged): not the answer

    sizes: dict[str, int | None] = {}
    try:
        ask(1, "initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        proc.stdin.write(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        proc.stdin.flush()
        if not warmed.wait(60):
            raise SystemExit("the helper's engine warm-up never finished")
        sizes["initialize"] = resident(proc.pid)
        ask(2, "awsLogin/status", {"profile": PROFILE})
        sizes["status"] = resident(proc.pid)
        ask(3, "awsLogin/listProfiles", {})
        sizes["listProfiles"] = resident(proc.pid)
        ask(4, "shutdown", None)
        proc.stdin.write(frame({"jsonrpc": "2.0", "method": "exit"}))
        proc.stdin.close()
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return sizes


def mib(size: int | None) -> str:
    return f"{size / MIB:8.1f}" if size is not None else f"{'n/a':>8}"


def timed(call: object, calls: int) -> list[float]:
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        call()  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="cold starts (and baselines)")
    parser.add_argument("--calls", type=int, default=200, help="warm round trips per method")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-aws-") as tmp, Emulator() as emulator:
        env = timing_environment(isolated_environment(Path(tmp), emulator.base_url))
        samples = sample({
            "baseline": lambda: baseline(env),
            "cold": lambda: cold_start(env),
            "client": lambda: python_c(env, "import aws_login_bridge.rpc.client"),
            "kernel": lambda: python_c(env, "import aws_login_jupyter"),
        }, args.rounds)

        with HelperClient.spawn(argv=SERVE, env=env) as client:
            params = {"profile": PROFILE, "region": "us-east-1"}
            first = client.request("awsLogin/startLogin", params)
            code = person.sign_in(first["authorizeUrl"])
            client.request("awsLogin/completeLogin", {"loginId": first["loginId"], "code": code})
            started: list[str] = []

            def start_login() -> None:
                started.append(client.request("awsLogin/startLogin", params)["loginId"])

            start_login()  # the first after the login resolves the endpoint once more
            samples["startLogin"] = timed(start_login, args.calls)
            for login_id in started:
                client.request("awsLogin/cancelLogin", {"loginId": login_id})
            client.request("awsLogin/status", {"profile": PROFILE})
            samples["status"] = timed(
                lambda: client.request("awsLogin/status", {"profile": PROFILE}), args.calls)
        memory = helper_memory(env)
        memory["baseline"] = baseline_memory(env)

    medians = {name: statistics.median(values) for name, values in samples.items()}
    base = medians["baseline"]
    rows = [
        ("baseline", 'python -c "import botocore.session"', None),
        ("cold", "helper cold start to initialize answer", "<= 2x baseline"),
        ("startLogin", "warm awsLogin/startLogin round trip", "< 20 ms"),
        ("status", "warm awsLogin/status round trip", None),
        ("client", "python -c 'import <the Python client>'", None),
        ("kernel", "python -c 'import aws_login_jupyter'", None),
    ]
    print(f"Python {sys.version.split()[0]} on {sys.platform}; {args.rounds} cold rounds, "
          f"{args.calls} warm calls; times in ms")
    print()
    print(f"{'measurement':<42} {'median':>8} {'p10':>8} {'p90':>8} {'x base':>7}  target")
    print(f"{'-' * 42} {'-' * 8} {'-' * 8} {'-' * 8} {'-' * 7}  {'-' * 14}")
    for key, label, target in rows:
        deciles = statistics.quantiles(samples[key], n=10)
        print(f"{label:<42} {ms(medians[key])} {ms(deciles[0])} {ms(deciles[-1])} "
              f"{medians[key] / base:7.2f}  {target or ''}")
    print()
    checks = [
        (f"cold start / baseline = {medians['cold'] / base:.2f} (target <= 2)",
         medians["cold"] <= 2 * base),
        (f"warm startLogin median = {medians['startLogin'] * 1000:.2f} ms (target < 20 ms)",
         medians["startLogin"] < 0.020),
    ]
    print("resident memory (MiB)" + ("" if memory["initialize"] is not None else
                                     ": not measured off Linux (no /proc)"))
    base_rss = memory["baseline"]
    for key, label in (("baseline", 'python -c "import botocore.session" (peak)'),
                       ("initialize", "helper after initialize (engine warmed up)"),
                       ("status", "helper after one awsLogin/status"),
                       ("listProfiles", "helper after one awsLogin/listProfiles")):
        ratio = (f"{memory[key] / base_rss:7.2f}" if memory[key] is not None and base_rss
                 else f"{'':7}")
        print(f"{label:<42} {mib(memory[key])} {ratio}")
    print()
    if memory["initialize"] is not None and memory["status"] is not None:
        growth = memory["status"] - memory["initialize"]
        checks.append((f"status adds {growth / MIB:.1f} MiB resident (target <= 3 MiB)",
                       growth <= STATUS_GROWTH_TARGET))
    for text, ok in checks:
        print(f"{'PASS' if ok else 'MISS'}  {text}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
