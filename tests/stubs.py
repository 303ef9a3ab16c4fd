"""A local stub HTTP server for driving real SDKs (Anthropic, Twilio, Resend...) in tests.

    with StubServer() as stub:
        stub.add(429, {"type": "error"}, headers={"retry-after": "0"})
        stub.add(200, {"id": "msg_1"})
        client = SomeSDK(base_url=stub.url)
        ...
        assert stub.requests[0].json()["model"] == "..."

It listens on 127.0.0.1 on a free port, in a thread; answers each request with the next scripted
response (or `default` once the script is used up; 500 when there is none) and records every
request (method, path, headers, body). A scripted response may be a callable of the request.
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class StubResponse:
    status: int = 200
    body: object = None  # dict/list -> JSON, str -> text, bytes as they are
    headers: dict = field(default_factory=dict)

    def encoded(self):
        headers = {key.lower(): value for key, value in self.headers.items()}
        if isinstance(self.body, (dict, list)):
            data = json.dumps(self.body).encode()
            headers.setdefault("content-type", "application/json")
        elif isinstance(self.body, str):
            data = self.body.encode()
            headers.setdefault("content-type", "text/plain; charset=utf-8")
        else:
            data = self.body or b""
        return data, headers


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict  # lower-cased names
    body: bytes

    @property
    def query(self):
        return parse_qs(urlsplit(self.path).query)

    def json(self):
        return json.loads(self.body or b"null")

    def text(self):
        return self.body.decode("utf-8", "replace")

    def form(self):
        return parse_qs(self.text())


class StubServer:
    def __init__(self, default=None):
        self.default = default
        self.requests = []
        self._script = []
        self._lock = threading.Lock()
        self._server = None
        self._thread = None

    # --- scripting ---------------------------------------------------------------------------

    def add(self, status=200, body=None, headers=None, *, times=1):
        """Queue a response (or a callable taking the RecordedRequest and returning one)."""
        response = status if callable(status) else StubResponse(status, body, headers or {})
        with self._lock:
            self._script.extend([response] * times)
        return self

    def always(self, status=200, body=None, headers=None):
        """Answer this once the script is used up."""
        self.default = StubResponse(status, body, headers or {})
        return self

    @property
    def pending(self):
        with self._lock:
            return len(self._script)

    def _next_response(self, request):
        with self._lock:
            self.requests.append(request)
            response = self._script.pop(0) if self._script else self.default
        if response is None:
            return StubResponse(500, {"error": "the stub has no scripted response left"})
        return response(request) if callable(response) else response

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once: no 40 ms delayed-ACK stalls

            def _answer(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                request = RecordedRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                response = stub._next_response(request)
                data, headers = response.encoded()
                self.send_response(response.status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _answer

            def log_message(self, format, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), name="stub-http", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
