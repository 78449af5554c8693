"""A webhook receiver over real HTTP for the tests and the bench: a threaded http.server on a free
local port that records every request and answers from a script (a list of status codes, then 200)."""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    answers: list[int] = field(default_factory=list)  # answered in turn; 200 once they run out
    received: list[Received] = field(default_factory=list)
    record: bool = True
    decide: Callable[[bytes], int | None] | None = None  # body -> a status, before the answers

    def __post_init__(self):
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as receivers in production answer
            # Headers and body leave in two writes: without this, Nagle's algorithm and the client's
            # delayed ACK hold each answer back 40 ms on a kept-alive connection.
            disable_nagle_algorithm = True

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with receiver._lock:
                    status = receiver.decide(body) if receiver.decide else None
                    if status is None:
                        status = receiver.answers.pop(0) if receiver.answers else 200
                    if receiver.record:
                        receiver.received.append(
                            Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                        )
                answer = b"ok" if status < 300 else f"receiver says no ({status})".encode()
                self.send_response(status)
                self.send_header("content-type", "text/plain")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
