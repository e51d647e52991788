"""Real servers on loopback for the benchmarks and the tests: a Chroma server and the chat page.

Each starts on a 127.0.0.1 port (a free one unless given), is waited for until it answers, and is
stopped afterwards: terminated, then killed if it lingers. One that exits early or never answers is
stopped before the error (with the tail of its log) is raised. Not a benchmark: ``python -m bench``
does not run it. The tests import it as ``bench.servers`` (``tests/conftest.py`` puts the repository
on ``sys.path``).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Server:
    """A server process this run started: where it answers, the process and its log."""

    host: str
    port: int
    url: str
    proc: subprocess.Popen
    log: Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen, grace_s: float = 10.0, kill_wait_s: float | None = None) -> None:
    """Stop a process this run started: terminate it, and kill it if it still runs after ``grace_s``.

    ``grace_s=0`` kills it at once, as a crash would.
    """
    if proc.poll() is not None:
        return
    if grace_s > 0:
        proc.terminate()
        try:
            proc.wait(timeout=grace_s)
            return
        except subprocess.TimeoutExpired:
            pass
    proc.kill()
    proc.wait(timeout=kill_wait_s)


def _tail(log: Path, chars: int = 2000) -> str:
    try:
        return log.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def _start(what: str, cmd: list[str], port: int, url: str, probe: str, log: Path, *, env: Mapping[str, str] | None,
           cwd: Path | None, timeout_s: float, request_timeout_s: float, poll_s: float, grace_s: float,
           kill_wait_s: float | None) -> Server:
    """Start ``cmd`` with its output in ``log`` and return once ``probe`` answers 200."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, cwd=cwd, env=None if env is None else dict(env), stdout=fh,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited with status {proc.returncode}; see {log}:\n{_tail(log)}")
            try:
                with urllib.request.urlopen(probe, timeout=request_timeout_s) as r:
                    if r.status == 200:
                        return Server(LOOPBACK, port, url, proc, log)
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not answer on port {port} within {timeout_s:.0f} s; see {log}:\n"
                                   f"{_tail(log)}")
            time.sleep(poll_s)
    except BaseException:
        stop(proc, grace_s, kill_wait_s)
        raise


def chroma_executable() -> str:
    """The ``chroma`` CLI installed with chromadb, next to this Python."""
    exe = Path(sys.executable).with_name("chroma")
    found = str(exe) if exe.exists() else shutil.which("chroma")
    if not found:
        raise RuntimeError("the 'chroma' command (installed with chromadb) is missing; run 'make install'")
    return found


@contextmanager
def chroma_server(path: Path, *, port: int | None = None, timeout_s: float = 60.0, grace_s: float = 10.0,
                  env: Mapping[str, str] | None = None, log: Path | None = None) -> Iterator[Server]:
    """``chroma run --path <path>`` on loopback until the block ends, up once its heartbeat answers.

    ``grace_s=0`` kills it at the end instead of stopping it, as a crash would. The log defaults to
    ``<path>-chroma.log`` next to ``path``.
    """
    port = port or free_port()
    path.mkdir(parents=True, exist_ok=True)
    url = f"http://{LOOPBACK}:{port}"
    server = _start("chroma run", [chroma_executable(), "run", "--path", str(path), "--host", LOOPBACK, "--port",
                                   str(port)], port, url, f"{url}/api/v2/heartbeat",
                    log or path.parent / f"{path.name}-chroma.log", env=env, cwd=None, timeout_s=timeout_s,
                    request_timeout_s=1, poll_s=0.1, grace_s=grace_s, kill_wait_s=None)
    try:
        yield server
    finally:
        stop(server.proc, grace_s)


def start_app(env: Mapping[str, str], log: Path, *, name_host: bool = True, timeout_s: float = 180.0, grace_s: float = 15.0, kill_wait_s: float | None = None) -> Server:
    """Start ``assistant serve`` on a loopback port and return once its page answers; the caller stops it.

    ``name_host=False`` leaves out ``--host 127.0.0.1``, so the app must pick loopback by itself.
    """
    port = free_port()
    host = ["--host", LOOPBACK] if name_host else []
    url = f"http://{LOOPBACK}:{port}/"
    return _start("assistant serve", [sys.executable, "-m", "assistant", "serve", *host, "--port", str(port)], port,
                  url, url, log, env=env, cwd=ROOT, timeout_s=timeout_s, request_timeout_s=5, poll_s=0.5,
                  grace_s=grace_s, kill_wait_s=kill_wait_s)

