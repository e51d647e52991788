"""Chroma server mode: the settings switch to HttpClient, the whole pipeline runs against a real server,
and an unreachable server is one clear line naming its address, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_store_contract import DOCS  # tests/ is on sys.path

from assistant.errors import StoreError
from assistant.settings import load_settings
from assistant.store import open_store, server_address
from bench.servers import chroma_server, free_port

ROOT = Path(__file__).resolve().parents[1]


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in DOCS.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def test_settings_choose_the_backend() -> None:
    assert load_settings().store_backend == "embedded"
    assert load_settings(chroma_host="127.0.0.1", chroma_port=8123).store_backend == "http"


def test_environment_variables_select_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_CHROMA_HOST", "chroma.internal")
    monkeypatch.setenv("ASSISTANT_CHROMA_PORT", "8123")
    s = load_settings()
    assert (s.store_backend, s.chroma_host, s.chroma_port) == ("http", "chroma.internal", 8123)


@pytest.mark.parametrize(("host", "port", "expected"), [
    ("127.0.0.1", 8000, ("127.0.0.1", 8000, False, "http://127.0.0.1:8000")),
    ("http://chroma.local:9000", 8000, ("chroma.local", 9000, False, "http://chroma.local:9000")),
    ("https://chroma.example", 8443, ("chroma.example", 8443, True, "https://chroma.example:8443")),
    ("::1", 8000, ("::1", 8000, False, "http://[::1]:8000")),
])
def test_server_address_accepts_a_name_or_a_url(host: str, port: int, expected: tuple) -> None:
    assert server_address(host, port) == expected


def test_unreachable_server_is_a_store_error_naming_the_address() -> None:
    port = free_port()
    with pytest.raises(StoreError) as err:
        open_store(load_settings(chroma_host="127.0.0.1", chroma_port=port))
    msg = str(err.value)
    assert f"http://127.0.0.1:{port}" in msg and "chroma run" in msg and "\n" not in msg


def test_something_else_on_the_port_is_a_clear_error(tmp_path: Path) -> None:
    import http.server
    import threading

    class NotChroma(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotChroma)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        with pytest.raises(StoreError, match=f"127.0.0.1:{port}"):
            open_store(load_settings(chroma_host="127.0.0.1", chroma_port=port))
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_cli_ingest_with_unreachable_server_exits_2_with_one_line(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_CHROMA_HOST": "127.0.0.1",
           "ASSISTANT_CHROMA_PORT": str(port), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-m", "assistant", "ingest", str(write_corpus(tmp_path / "c"))],
                          env=env, capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert f"http://127.0.0.1:{port}" in lines[0]


@pytest.mark.slow
@pytest.mark.server
def test_ingest_and_ask_against_a_real_server_then_a_clear_error_when_it_stops(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from assistant import cli
    from assistant.settings import get_settings

    corpus = write_corpus(tmp_path / "corpus")
    with chroma_server(tmp_path / "db") as server:
        port = server.port
        monkeypatch.setenv("ASSISTANT_CHROMA_HOST", server.host)
        monkeypatch.setenv("ASSISTANT_CHROMA_PORT", str(port))
        get_settings.cache_clear()
        assert cli.main(["ingest", "--json", str(corpus)]) == 0
        report = json.loads(capsys.readouterr().out)
        assert sorted(report["added"]) == sorted(DOCS)
        # The vectors live on the server, not in the data folder.
        assert not (Path(get_settings().data_dir) / "chroma").exists()
        assert open_store(get_settings()).count() == report["chunks"]

        assert cli.main(["ask", "--json", "How long does relief from radiofrequency neurotomy last?"]) == 0
        answer = json.loads(capsys.readouterr().out)
        assert not answer["abstained"]
        for c in answer["citations"]:
            text = (corpus / f"{c['doc_id']}.txt").read_text(encoding="utf-8")
            assert text[c["start"] : c["end"]] == c["text"]

    # The server is gone: the same question is one line naming the address, exit status 2.
    get_settings.cache_clear()
    assert cli.main(["ask", "What is radiofrequency neurotomy?"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"http://127.0.0.1:{port}" in err[0]
