"""The verdict table of DESIGN.md, rule by rule."""

from __future__ import annotations

import pytest

from linkcheck.check.classify import Observation, judge, same_resource
from linkcheck.types import ErrorKind, Hop, Verdict

A = "http://example.com/articles/2024/story"


def answered(status: int, url: str = A, **facts: object) -> Observation:
    return Observation(url=url, hops=(Hop(url, status),), final_url=url, **facts)  # type: ignore[arg-type]


def redirected(*chain: tuple[str, int], **facts: object) -> Observation:
    """``chain`` is (url, status) per hop; the last one is the final answer."""
    hops = tuple(
        Hop(url, status, chain[i + 1][0] if i + 1 < len(chain) else None)
        for i, (url, status) in enumerate(chain)
    )
    return Observation(url=chain[0][0], hops=hops, final_url=chain[-1][0], **facts)  # type: ignore[arg-type]


def failed(kind: ErrorKind, **facts: object) -> Observation:
    return Observation(url=A, final_url=A, error_kind=kind, error="boom", **facts)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("observation", "verdict", "kind"),
    [
        # alive
        (answered(200), Verdict.ALIVE, None),
        (answered(204), Verdict.ALIVE, None),
        (redirected((A, 302), ("http://example.com/tmp", 200)), Verdict.ALIVE, None),
        (
            redirected((A, 307), ("http://example.com/x", 302), ("http://example.com/y", 200)),
            Verdict.ALIVE,
            None,
        ),
        # trivial permanent moves stay alive
        (redirected((A, 301), (A.replace("http:", "https:"), 200)), Verdict.ALIVE, None),
        (redirected((A, 301), (A + "/", 200)), Verdict.ALIVE, None),
        (redirected((A, 308), (A.replace("//", "//www."), 200)), Verdict.ALIVE, None),
        (
            redirected(
                (A, 301), (A.upper().replace("HTTP://EXAMPLE.COM", "http://example.com"), 200)
            ),
            Verdict.ALIVE,
            None,
        ),
        # moved: a permanent redirect to a different resource
        (redirected((A, 301), ("http://example.com/new/story", 200)), Verdict.MOVED, None),
        (redirected((A, 308), ("https://other.org/story", 200)), Verdict.MOVED, None),
        (
            redirected((A, 302), ("http://example.com/b", 301), ("http://example.com/c", 200)),
            Verdict.MOVED,
            None,
        ),
        # soft 404
        (answered(200, page_says_not_found=True), Verdict.SOFT_404, None),
        (redirected((A, 301), ("https://example.com/", 200)), Verdict.SOFT_404, None),
        (redirected((A, 302), ("http://example.com/index.php", 200)), Verdict.SOFT_404, None),
        (redirected((A, 302), ("http://example.com/errors/404.html", 200)), Verdict.SOFT_404, None),
        (
            redirected((A, 302), ("http://example.com/not-found?from=x", 200)),
            Verdict.SOFT_404,
            None,
        ),
        # ... but a root that redirects to a root is just the home page
        (
            redirected(("http://example.com", 301), ("https://www.example.com/", 200)),
            Verdict.ALIVE,
            None,
        ),
        # dead
        (answered(404), Verdict.DEAD, ErrorKind.HTTP_STATUS),
        (answered(410), Verdict.DEAD, ErrorKind.HTTP_STATUS),
        (
            redirected((A, 301), ("http://example.com/gone", 404)),
            Verdict.DEAD,
            ErrorKind.HTTP_STATUS,
        ),
        (failed(ErrorKind.DNS, name_not_found=True), Verdict.DEAD, ErrorKind.DNS),
        # never dead on HEAD alone
        (answered(404, method="HEAD"), Verdict.ERROR, ErrorKind.HTTP_STATUS),
        # blocked
        *[
            (answered(code), Verdict.BLOCKED, ErrorKind.HTTP_STATUS)
            for code in (401, 402, 403, 407, 429, 451, 999)
        ],
        (answered(503, challenge=True), Verdict.BLOCKED, ErrorKind.HTTP_STATUS),
        (answered(200, challenge=True), Verdict.BLOCKED, ErrorKind.HTTP_STATUS),
        # error
        *[
            (answered(code), Verdict.ERROR, ErrorKind.HTTP_STATUS)
            for code in (500, 502, 503, 504, 520, 400, 405, 300)
        ],
        *[
            (failed(kind), Verdict.ERROR, kind)
            for kind in (
                ErrorKind.TIMEOUT,
                ErrorKind.REFUSED,
                ErrorKind.RESET,
                ErrorKind.TLS,
                ErrorKind.PROTOCOL,
                ErrorKind.REDIRECT_LOOP,
                ErrorKind.TOO_MANY_REDIRECTS,
            )
        ],
        (failed(ErrorKind.DNS), Verdict.ERROR, ErrorKind.DNS),  # temporary DNS failure
        # invalid, skipped
        (failed(ErrorKind.INVALID_URL), Verdict.INVALID, ErrorKind.INVALID_URL),
        (failed(ErrorKind.EXCLUDED), Verdict.SKIPPED, ErrorKind.EXCLUDED),
        (failed(ErrorKind.PRIVATE_ADDRESS), Verdict.SKIPPED, ErrorKind.PRIVATE_ADDRESS),
    ],
)
def test_verdict_table(observation: Observation, verdict: Verdict, kind: ErrorKind | None) -> None:
    judgement = judge(observation)
    assert (judgement.verdict, judgement.error_kind) == (verdict, kind)


@pytest.mark.parametrize("status", [403, 404, 500, 999])
def test_accepted_statuses_count_as_alive(status: int) -> None:
    assert judge(answered(status), accepted=frozenset({status})).verdict is Verdict.ALIVE
    assert judge(answered(status), accepted=frozenset({201})).verdict is not Verdict.ALIVE


def test_accepting_2xx_keeps_soft_404_moved_and_challenge_detection() -> None:
    accepted = frozenset({200, 403})
    not_found = answered(200, page_says_not_found=True)
    assert judge(not_found, accepted=accepted).verdict is Verdict.SOFT_404
    moved = redirected(("http://a.test/old", 301), ("http://a.test/new", 200))
    assert judge(moved, accepted=accepted).verdict is Verdict.MOVED
    challenge = answered(403, challenge=True)
    assert judge(challenge, accepted=accepted).verdict is Verdict.BLOCKED


def test_every_non_alive_judgement_says_why() -> None:
    for observation in (
        answered(404),
        answered(200, page_says_not_found=True),
        failed(ErrorKind.TLS),
    ):
        assert judge(observation).reason


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("http://a.org/x", "https://a.org/x", True),
        ("http://a.org/x", "http://www.a.org/x/", True),
        ("http://a.org/X", "http://a.org/x", True),
        ("http://a.org/x?q=1", "http://a.org/x?q=2", False),
        ("http://a.org/x", "http://b.org/x", False),
    ],
)
def test_same_resource(a: str, b: str, same: bool) -> None:
    assert same_resource(a, b) is same
