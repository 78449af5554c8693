"""What every platform fake shares: its own HTTP server on a free local port, serving the fake's
handler from a thread, started and stopped by the test (`with FakeShop() as shop:`)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class FakeHost:
    def __init__(self) -> None:
        self._server: ThreadingHTTPServer | None = None
        # Kept after stop(): an answer still being built when the test ends (a slow one the client
        # gave up on) names the fake's address, then finds the client gone.
        self._address: tuple[str, int] | None = None

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        """The request handler bound to this fake."""
        raise NotImplementedError

    def start(self) -> Self:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler_class())
        self._address = self._server.server_address[:2]
        # Handler threads are daemons and stop() does not wait for them: a slow answer's thread must not
        # hold up the test's end (server_close() joins them unless block_on_close is off).
        self._server.daemon_threads = True
        self._server.block_on_close = False
        threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=type(self).__name__,
            daemon=True,
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._address is not None, (
            f"start the {type(self).__name__} first (use it as a context manager)"
        )
        host, port = self._address
        return f"http://{host}:{port}"
