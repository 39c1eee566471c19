"""Run the emulator alone: python -m tests.google_emulator --port 0 [--log FILE] ..."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .emulator import Emulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.google_emulator",
        description="Loopback emulator of Google Sheets v4, Drive v3, Docs v1.",
    )
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed first)")
    parser.add_argument("--log", help="append one JSON object per request to this file")
    parser.add_argument("--latency-ms", type=float, default=0, help="added to every API request")
    parser.add_argument(
        "--quota-per-minute",
        type=int,
        nargs="?",
        const=60,
        default=None,
        help="per-principal Sheets/Docs read and write buckets (60 when given bare; off when absent)",
    )
    parser.add_argument("--time-scale", type=float, default=1.0, help="a minute passes in 60/X seconds")
    parser.add_argument(
        "--fail-rate", type=float, default=0.0, help="share of requests answered 500/503/reset"
    )
    parser.add_argument("--seed", type=int, default=0, help="seeds IDs and fault injection")
    parser.add_argument("--require-auth", action="store_true", help="reject requests without a token")
    args = parser.parse_args(argv)
    emulator = Emulator(
        args.port,
        log=args.log,
        latency_ms=args.latency_ms,
        quota_per_minute=args.quota_per_minute,
        time_scale=args.time_scale,
        fail_rate=args.fail_rate,
        seed=args.seed,
        require_auth=args.require_auth,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    emulator.start()
    print(f"listening on {emulator.port}", flush=True)
    try:
        stop.wait()
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
