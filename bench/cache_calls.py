"""The cost of one call to the project's Redis cache, as each API write's throttle makes two.

    python bench/cache_calls.py [--calls 2000] [--runs 2]

Needs Redis (REDIS_URL, default redis://127.0.0.1:6379/12). Prints the average time of a
`cache.get` of a small value over --calls calls, for each run, in one process.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/12")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    import django

    django.setup()
    from django.core.cache import cache

    cache.set("bench-cache-calls", [1, 2, 3])
    cache.get("bench-cache-calls")  # the connection made before timing
    for _ in range(args.runs):
        started = time.perf_counter()
        for _ in range(args.calls):
            cache.get("bench-cache-calls")
        average = (time.perf_counter() - started) / args.calls
        print(f"cache.get: {average * 1e6:.0f} us a call, average of {args.calls:,} calls")
    cache.delete("bench-cache-calls")


if __name__ == "__main__":
    main()
