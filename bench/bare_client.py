"""The reference point: a bare aiohttp loop that GETs every URL, no database.

``python bench/bare_client.py URLS_FILE --concurrency 64 --host-concurrency 8``
reads one URL a line, checks each with one shared session (aiohttp's own global
and per-host connection limits), follows redirects, reads at most a small prefix
of each body, and prints ``{"statuses": {"200": n, ...}, "errors": n}``.

It shows what Python and aiohttp can do on this machine without extraction or
storage, and, run with a high concurrency, whether the local web keeps up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter
from pathlib import Path

import aiohttp

BODY_PREFIX_BYTES = 64 * 1024
TOTAL_TIMEOUT_SECONDS = 30.0


async def check_all(urls: list[str], concurrency: int, host_concurrency: int) -> dict[str, object]:
    statuses: Counter[str] = Counter()
    errors = 0
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=host_concurrency)
    timeout = aiohttp.ClientTimeout(total=TOTAL_TIMEOUT_SECONDS)
    gate = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def check(url: str) -> None:
            nonlocal errors
            async with gate:
                try:
                    async with session.get(url) as response:
                        await response.content.read(BODY_PREFIX_BYTES)
                        statuses[str(response.status)] += 1
                except (aiohttp.ClientError, TimeoutError):
                    errors += 1

        # One task per URL, but the semaphore keeps only `concurrency` of them working.
        await asyncio.gather(*(check(url) for url in urls))
    return {"statuses": dict(statuses), "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls_file", type=Path)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--host-concurrency", type=int, default=8)
    args = parser.parse_args()
    urls = args.urls_file.read_text(encoding="utf-8").split()
    result = asyncio.run(check_all(urls, args.concurrency, args.host_concurrency))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
