"""A real HTTP server on loopback that speaks the OpenAI chat completions API with scripted answers.

It serves ``POST /v1/chat/completions`` (plain JSON, or server-sent events when the request has
``"stream": true``) and ``GET /v1/models``. Each request takes the next queued ``Reply``, or asks the
``script`` callable for one. A reply can be slow (``delay_s`` before anything is sent,
``chunk_delay_s`` between streamed pieces) or an HTTP error (``status``). Every request body is kept
in ``requests`` (and its Authorization header in ``authorizations``) so tests can check what the
model was shown.

    with ScriptedLLMServer() as server:
        server.push(Reply("Fusion was done in 276 patients [1]."))
        ... ChatOpenAI(base_url=server.url, model=server.model, api_key="x") ...
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass(frozen=True)
class Reply:
    """One scripted response."""

    text: str = ""
    status: int = 200
    delay_s: float = 0.0
    chunk_delay_s: float = 0.0
    error: str = "scripted server failure"


Script = Callable[[dict[str, Any]], Reply]
_DOC = re.compile(r"<document id=(\d+)[^>]*>\n(.*?)\n</document>", re.DOTALL)
_QUESTION = re.compile(r"<question>(.*?)</question>", re.DOTALL)


def prompt_documents(request: dict[str, Any]) -> dict[int, str]:
    """The numbered documents a request showed the model: id → text."""
    user = "\n".join(str(m.get("content", "")) for m in request.get("messages", []) if m.get("role") == "user")
    return {int(n): text for n, text in _DOC.findall(user)}


def prompt_question(request: dict[str, Any]) -> str:
    """The question a request asked."""
    user = "\n".join(str(m.get("content", "")) for m in request.get("messages", []) if m.get("role") == "user")
    m = _QUESTION.search(user)
    return m.group(1) if m else ""


def doc_containing(request: dict[str, Any], needle: str) -> int:
    """The id of the first document shown that contains ``needle`` (case-insensitive), else 0."""
    for n, text in sorted(prompt_documents(request).items()):
        if needle.lower() in text.lower():
            return n
    return 0


class ScriptedLLMServer:
    """An OpenAI-compatible chat server on 127.0.0.1 and a free port, answering from a script."""

    def __init__(self, script: Script | None = None, model: str = "scripted-model") -> None:
        self.script = script
        self.model = model
        self.replies: deque[Reply] = deque()
        self.requests: list[dict[str, Any]] = []
        self.authorizations: list[str] = []  # the Authorization header of each chat request
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL to configure a client with (ends in /v1)."""
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def push(self, *replies: Reply | str) -> None:
        """Queue replies, used in order before the script."""
        self.replies.extend(Reply(r) if isinstance(r, str) else r for r in replies)

    def next_reply(self, request: dict[str, Any]) -> Reply:
        """The reply for a request: the next queued one, else the script's, else a 500."""
        if self.replies:
            return self.replies.popleft()
        if self.script is not None:
            return self.script(request)
        return Reply(status=500, error="no scripted reply left")

    def start(self) -> Self:
        """Bind a free loopback port and serve in a daemon thread."""
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="scripted-llm", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release any slow reply and shut the server down."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def wait(self, seconds: float) -> None:
        """Sleep, but wake at once when the server stops."""
        if seconds > 0:
            self._stopping.wait(seconds)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _pieces(text: str) -> list[str]:
    """Stream ``text`` a word (with its trailing space) at a time, as token streams roughly do."""
    return re.findall(r"\S+\s*|\s+", text) or [""]


def _handler(server: ScriptedLLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "ScriptedLLM/1.0"

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.rstrip("/") in ("/v1/models", "/models"):
                self._json(200, {"object": "list", "data": [{"id": server.model, "object": "model",
                                                             "created": 0, "owned_by": "tests"}]})
            else:
                self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})

        def do_POST(self) -> None:
            if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
                self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
                return
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            server.requests.append(request)
            server.authorizations.append(self.headers.get("Authorization", ""))
            reply = server.next_reply(request)
            server.wait(reply.delay_s)
            try:
                if reply.status != 200:
                    self._json(reply.status, {"error": {"message": reply.error, "type": "server_error",
                                                        "code": reply.status}})
                elif request.get("stream"):
                    self._stream(request, reply)
                else:
                    self._json(200, _completion(request, reply.text))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test); nothing to clean up

        def _stream(self, request: dict[str, Any], reply: Reply) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            cid, model = f"chatcmpl-{time.monotonic_ns()}", request.get("model", server.model)

            def event(delta: dict[str, Any], finish: str | None = None) -> None:
                chunk = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
                         "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()

            event({"role": "assistant", "content": ""})
            for i, piece in enumerate(_pieces(reply.text)):
                if i:
                    server.wait(reply.chunk_delay_s)
                event({"content": piece})
            event({}, "stop")
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

    return Handler


def _completion(request: dict[str, Any], text: str) -> dict[str, Any]:
    words = len(text.split())
    return {"id": f"chatcmpl-{time.monotonic_ns()}", "object": "chat.completion", "created": int(time.time()),
            "model": request.get("model", "scripted-model"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "logprobs": None,
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 0, "completion_tokens": words, "total_tokens": words}}
