"""The real chat page, started once per test session on a free loopback port, for the UI tests.

The server gets its own copy of the seed index and of the corpus, so uploads and removals
in the tests never touch the repository's ``corpus/`` or the shared seed index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench import servers

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


def shared_server(tmp_root: Path, seed_data: Path) -> UIServer:
    """The session's server, started on first use."""
    global _SERVER
    if _SERVER is not None and _SERVER.proc.poll() is None:
        return _SERVER
    corpus, data = tmp_root / "corpus", tmp_root / "data"
    shutil.copytree(CORPUS, corpus)
    shutil.copytree(seed_data, data, ignore=shutil.ignore_patterns(".lock"))
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data), "ASSISTANT_CORPUS_DIR": str(corpus),
           "ASSISTANT_SERVE__MAX_UPLOAD_BYTES": str(MAX_UPLOAD_BYTES), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False"}
    env.pop("ASSISTANT_CHROMA_HOST", None)
    server = servers.start_app(env, ARTIFACTS / "server.log", timeout_s=START_TIMEOUT_S, grace_s=15, kill_wait_s=5)
    _SERVER = UIServer(server.url, corpus, data, server.proc, server.log)
    return _SERVER


def stop(server: UIServer) -> None:
    """Stop the server process (only the one this session started)."""
    servers.stop(server.proc, grace_s=15, kill_wait_s=5)


def session_server(tmp_path_factory, seed_settings) -> Iterator[UIServer]:
    """Body of a session fixture: the shared server over a copy of the seed index, stopped at the end."""
    server = shared_server(tmp_path_factory.mktemp("ui-server"), Path(seed_settings.data_dir))
    yield server
    stop(server)
