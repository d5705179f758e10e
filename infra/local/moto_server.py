"""moto's server with the fixes of infra/local/moto_fixes.py, for a process of its own:

    python -m infra.local.moto_server -H 127.0.0.1 -p 5000

The local runtime (MOTO_PROCESS=true) and the benchmarks start it this way, so their CPU time is the
platform's alone."""

from __future__ import annotations

import logging
import sys

from infra.local.moto_fixes import patch_moto


def main(argv: list[str] | None = None) -> None:
    patch_moto()
    # werkzeug writes a log line per request; at a thousand requests a second that was a tenth of moto's CPU.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from moto.server import main as moto_main

    moto_main(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
