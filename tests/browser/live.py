"""The app served from a thread for the browser tests.

Chromium drops connections it no longer needs (a favicon, a page it navigated away from). Werkzeug's
development server then skips closing the response when it cannot probe the dropped socket, and the
open static file surfaces as a ``ResourceWarning`` in whichever test happens to run next. The
middleware reads every response whole and closes it before anything is written, so a dropped
connection can no longer leave a file open.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import make_server


class _WholeResponses:
    """WSGI middleware: the wrapped app's body is read and closed before the server sends it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = self.app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()


@contextmanager
def serve(app: Any, name: str = "live-server") -> Iterator[str]:
    """Serve ``app`` on a free port of 127.0.0.1 and yield its base URL; stop it on exit."""
    server = make_server("127.0.0.1", 0, _WholeResponses(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
