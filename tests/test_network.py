"""Network: the app listens on loopback unless told otherwise and makes no outbound request at run time.

A guard (``fixtures/netguard/sitecustomize.py``) makes every socket connection, datagram and name
lookup to anything but loopback fail, and records it. In this process it wraps loading the real
model, ingesting into the real embedded store, answering and tracing; the served app runs under it
from its first line (imports included), started without ``--host`` and without the offline and
analytics variables ``make`` exports, so the app's own defaults are what is tested.
"""

from __future__ import annotations

import importlib.util
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.served import GUARD, Served, listening_addresses, session_server

ROOT = Path(__file__).resolve().parents[1]


def _guard_module():
    spec = importlib.util.spec_from_file_location("netguard", GUARD / "sitecustomize.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def guarded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This process under the guard for one test; returns the file that records blocked attempts."""
    log = tmp_path / "blocked.log"
    for obj, name, fn in _guard_module().patches(log):
        monkeypatch.setattr(obj, name, fn)
    return log


def test_the_guard_blocks_the_outside_and_allows_loopback(guarded: Path) -> None:
    with pytest.raises(OSError, match="blocked by the test guard"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1: never routable
    with socket.socket() as s, pytest.raises(OSError, match="blocked"):
        s.connect(("198.51.100.7", 443))
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("huggingface.co", 443)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        socket.create_connection(server.getsockname(), timeout=5).close()
    assert guarded.read_text().count("BLOCKED") == 3


def test_the_default_bind_address_is_loopback() -> None:
    from assistant.settings import ServeSettings, load_settings

    assert ServeSettings().host == "127.0.0.1"
    assert load_settings().serve.host == "127.0.0.1"


@pytest.mark.slow
def test_loading_ingesting_answering_and_tracing_make_no_outbound_request(guarded: Path, tmp_path: Path) -> None:
    from assistant.embed import MiniLMEmbedder
    from assistant.ingest import ingest
    from assistant.pipeline import Assistant
    from assistant.settings import load_settings
    from assistant.trace import trace

    MiniLMEmbedder()  # the model is loaded from disk again, under the guard
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "facet.txt").write_text("Facet joint injections can relieve neck pain for several months. "
                                      "Most patients return to work within two weeks.\n", encoding="utf-8")
    settings = load_settings(data_dir=tmp_path / "data")  # a new embedded store: Chroma starts up here
    report = ingest([corpus], settings, progress=False)
    assert report.added == ["facet"]
    assistant = Assistant(settings)
    assert not assistant.ask("How long can facet joint injections relieve neck pain?").abstained
    assert trace("Facet injections relieve neck pain for months.", assistant.index).matches
    assert not guarded.exists(), guarded.read_text()[:3000]


# ---- the served app --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def app(tmp_path_factory, seed_settings) -> Iterator[Served]:
    yield from session_server(tmp_path_factory, seed_settings)


@pytest.mark.slow
def test_the_app_listens_only_on_loopback_by_default(app: Served) -> None:
    addresses = listening_addresses(app.port)
    assert addresses, "no listening socket found for the app"
    assert all(a in {"127.0.0.1", "::1"} for a in addresses), addresses
    with urllib.request.urlopen(app.url, timeout=30) as r:
        page = r.read().decode("utf-8", errors="replace")
    # The page itself asks the browser for nothing outside the machine either.
    for host in ("fonts.googleapis.com", "fonts.gstatic.com", "cdn.jsdelivr.net", "unpkg.com", "api.gradio.app"):
        assert host not in page, host


@pytest.mark.slow
def test_the_app_makes_no_outbound_request_while_serving(app: Served, tmp_path: Path) -> None:
    from gradio_client import Client, handle_file

    client = Client(app.url, verbose=False, analytics_enabled=False, download_files=False)
    answer = client.predict("What is radiofrequency neurotomy?", api_name="/ask")[-1]
    assert answer and not answer["abstained"]
    _, data = client.predict("Pain physicians trained by spine surgeons had a 3.3% complication rate",
                             api_name="/trace")
    assert data["matches"]
    note = tmp_path / "network-note.md"
    note.write_text("# Heat therapy\n\nHeat wraps eased acute low back pain in a small trial.\n", encoding="utf-8")
    status, *_ = client.predict(handle_file(str(note)), api_name="/upload")
    assert "Added" in status, status
    status, *_ = client.predict("network-note", api_name="/remove")
    assert "Removed" in status, status
    assert app.blocked() == "", "the app tried to reach the network:\n" + app.blocked()[:3000]
    assert "Traceback" not in app.log.read_text(errors="replace")
