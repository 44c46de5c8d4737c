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
