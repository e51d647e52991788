"""The real chat page, started once per test session on a free loopback port, for the UI tests.

The server gets its own copy of the seed index and of the corpus, so uploads and removals
in the tests never touch the repository's ``corpus/`` or the shared seed index.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
ARTIFACTS = ROOT / "tests" / "artifacts"
MAX_UPLOAD_BYTES = 200_000  # small, so the size limit is cheap to exercise
START_TIMEOUT_S = 180


@dataclass
class UIServer:
    """A running ``assistant serve`` process and the folders it owns."""

    url: str
    corpus: Path
    data: Path
    proc: subprocess.Popen
    log: Path


_SERVER: UIServer | None = None


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shared_server(tmp_root: Path, seed_data: Path) -> UIServer:
    """The session's server, started on first use."""
    global _SERVER
    if _SERVER is not None and _SERVER.proc.poll() is None:
        return _SERVER
    corpus, data = tmp_root / "corpus", tmp_root / "data"
    shutil.copytree(CORPUS, corpus)
    shutil.copytree(seed_data, data, ignore=shutil.ignore_patterns(".lock"))
    port = free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "server.log"
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data), "ASSISTANT_CORPUS_DIR": str(corpus),
           "ASSISTANT_SERVE__MAX_UPLOAD_BYTES": str(MAX_UPLOAD_BYTES), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False"}
    env.pop("ASSISTANT_CHROMA_HOST", None)
    with open(log, "wb") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port",
                                 str(port)], cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}; see {log}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop(UIServer(url, corpus, data, proc, log))
            raise RuntimeError(f"the server did not answer within {START_TIMEOUT_S}s; see {log}")
        time.sleep(0.5)
    _SERVER = UIServer(url, corpus, data, proc, log)
    return _SERVER


def stop(server: UIServer) -> None:
    """Stop the server process (only the one this session started)."""
    if server.proc.poll() is None:
        server.proc.terminate()
        try:
            server.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(timeout=5)
