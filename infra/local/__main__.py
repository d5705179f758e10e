"""`python -m infra.local` (what `make run` starts): the whole platform on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from types import FrameType

from infra.local.runtime import LocalRuntime, RuntimeOptions


def main() -> int:
    logging.basicConfig(format="%(asctime)s %(levelname)-7s %(name)s: %(message)s", stream=sys.stderr)
    # The runtime says what it does; libraries (botocore, werkzeug) only warn.
    logging.getLogger("infra.local").setLevel(os.environ.get("LOCAL_LOG_LEVEL", "INFO"))
    # moto notes each resource type its CloudFormation skips; provision() creates those itself.
    logging.getLogger("moto").setLevel(logging.ERROR)
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            logging.getLogger("infra.local").warning("second %s: exiting without a final snapshot", signum)
            os._exit(130)
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    runtime = LocalRuntime(RuntimeOptions.from_env(os.environ))
    try:
        runtime.start()
        print(f"Tradebot running: {runtime.api_url} (embedded AWS: {runtime.endpoint_url}). Ctrl-C stops.", flush=True)
        # A timed wait: an untimed one would not let the signal handler run until something else woke it.
        while not stop.wait(0.2):
            pass
    finally:
        runtime.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
