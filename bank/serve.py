"""``make run``'s server: gunicorn for the web, beside the scheduler when it exists (L4).

The scheduler is its own process, never inside a web worker; both stop together.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys

#: What the ``Server`` header says: not the server's name and version, which would tell a
#: prober which published weaknesses to try (issue 13, item 11).
SERVER_NAME = "Wijkbank"


def hide_server_name() -> None:
    """Make gunicorn answer ``Server: Wijkbank`` instead of ``gunicorn`` (and its version in the environ).

    gunicorn has no setting for it: its response reads the module global ``SERVER`` for every
    answer, so setting that in the worker (``wsgi.py`` runs there) is enough. A no-op elsewhere.
    """
    if "gunicorn" not in sys.modules:
        return
    wsgi_module = importlib.import_module("gunicorn.http.wsgi")
    wsgi_module.SERVER = SERVER_NAME  # type: ignore[attr-defined]  # gunicorn's globals, see above
    wsgi_module.SERVER_SOFTWARE = SERVER_NAME  # type: ignore[attr-defined]  # gunicorn's globals


def main() -> int:
    parser = argparse.ArgumentParser(description="Serve Wijkbank with gunicorn (and run the scheduler).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="5000")
    parser.add_argument("--workers", default="2")
    args = parser.parse_args()
    bin_dir = os.path.dirname(sys.executable)
    processes = []
    if importlib.util.find_spec("bank.scheduler") is not None:
        processes.append(subprocess.Popen([os.path.join(bin_dir, "bank"), "scheduler"]))
    web = subprocess.Popen(
        [
            os.path.join(bin_dir, "gunicorn"),
            "--bind",
            f"{args.host}:{args.port}",
            "--workers",
            args.workers,
            "--access-logfile",
            "-",
            "wsgi:app",
        ]
    )
    processes.append(web)

    def stop(_signum: int, _frame: object) -> None:
        for process in processes:
            process.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = web.wait()
    stop(0, None)
    for process in processes:
        process.wait()
    return code


if __name__ == "__main__":
    sys.exit(main())
