"""A corpus of article dumps citing URLs on the local web.

Each dump has the shape of ``/work/shared/seeds/*.txt``: article text,
``Original url:``, the article's own URL, a blank line, then related links one
per line.  Like a real news site, a dump cites mostly its own host (four links
in five) and a few other hosts, so the checker must interleave hosts to keep
every slot busy without exceeding a per-host limit.

Every URL is cited exactly once (``http://127.0.1.7:PORT/a/123``): the number
of URLs to check is exactly ``urls``, for every contender.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from localweb import expected_answer, host_address

LINKS_PER_DOCUMENT = 10
SAME_HOST_SHARE = 0.8
SEED = 20250610

FILLER = (
    "Officials from both sides met again on Tuesday to discuss the proposal, which\n"
    "has been under review for several months, a spokesperson said.\n\n"
    "Related article: Talks resume after a pause of several weeks\n\n"
    "The next round is expected to take place later this year.\n"
)


@dataclass(frozen=True, slots=True)
class Corpus:
    """The generated dumps and what checking their URLs must find."""

    directory: Path
    files: tuple[Path, ...]
    urls_file: Path  # every URL, one a line, beside (not inside) the directory
    url_count: int
    expected_statuses: dict[int, int]  # first answer's status → number of URLs


def write_corpus(directory: Path, *, urls: int, hosts: int, port: int) -> Corpus:
    """Write ``urls`` distinct URLs over ``hosts`` hosts into dumps under ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    files: list[Path] = []
    cited: list[str] = []
    next_number = 0
    document = 0
    while next_number < urls:
        count = min(LINKS_PER_DOCUMENT, urls - next_number)
        home = document % hosts
        links = [
            _url(_pick_host(rng, home, hosts), port, number)
            for number in range(next_number, next_number + count)
        ]
        path = directory / f"{document:06d}_article.txt"
        path.write_text(_dump(links), encoding="utf-8")
        files.append(path)
        cited.extend(links)
        next_number += count
        document += 1
    urls_file = directory.with_name(directory.name + "-urls.txt")
    urls_file.write_text("".join(f"{u}\n" for u in cited), encoding="utf-8")
    statuses = Counter(expected_answer(number) for number in range(urls))
    return Corpus(directory, tuple(files), urls_file, urls, dict(statuses))


def _pick_host(rng: random.Random, home: int, hosts: int) -> int:
    return home if rng.random() < SAME_HOST_SHARE else rng.randrange(hosts)


def _url(host: int, port: int, number: int) -> str:
    return f"http://{host_address(host)}:{port}/a/{number}"


def _dump(links: list[str]) -> str:
    original, related = links[0], links[1:]
    return FILLER + "\nOriginal url:\n" + original + "\n\n" + "".join(f"{u}\n" for u in related)
