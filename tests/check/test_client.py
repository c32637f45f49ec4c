"""One link against the local test web: exact verdict, error kind, status and hops."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from linkcheck.check.options import RetryPolicy
from linkcheck.types import CheckResult, ErrorKind, Hop, Verdict
from tests.check.conftest import FakeTime, MakeChecker
from tests.web import HUGE_BODY_BYTES, PAGES_ABOUT_ERRORS, TestWeb


async def check(make_checker: MakeChecker, url: str, **changes: object) -> CheckResult:
    async with make_checker(**changes) as checker:
        return await checker.check(url)


_ONE_ATTEMPT = RetryPolicy(max_attempts=1)


def statuses(result: CheckResult) -> list[int]:
    return [hop.status_code for hop in result.hops]


# --------------------------------------------------------------------------- status classes


@pytest.mark.parametrize(
    ("path", "verdict", "kind"),
    [
        ("/ok", Verdict.ALIVE, None),
        ("/status/204", Verdict.ALIVE, None),
        ("/status/404", Verdict.DEAD, ErrorKind.HTTP_STATUS),
        ("/status/410", Verdict.DEAD, ErrorKind.HTTP_STATUS),
        ("/status/401", Verdict.BLOCKED, ErrorKind.HTTP_STATUS),
        ("/status/402", Verdict.BLOCKED, ErrorKind.HTTP_STATUS),
        ("/status/403", Verdict.BLOCKED, ErrorKind.HTTP_STATUS),
        ("/status/407", Verdict.BLOCKED, ErrorKind.HTTP_STATUS),
        ("/status/451", Verdict.BLOCKED, ErrorKind.HTTP_STATUS),
        ("/status/999", Verdict.BLOCKED, ErrorKind.HTTP_STATUS),
        ("/status/400", Verdict.ERROR, ErrorKind.HTTP_STATUS),
        ("/status/501", Verdict.ERROR, ErrorKind.HTTP_STATUS),
    ],
)
async def test_final_status_decides(
    web: TestWeb, make_checker: MakeChecker, path: str, verdict: Verdict, kind: ErrorKind | None
) -> None:
    result = await check(make_checker, web.url(path))
    status = int(path.rsplit("/", 1)[1]) if path.startswith("/status/") else 200
    assert (result.verdict, result.error_kind, result.status_code) == (verdict, kind, status)
    assert result.hops == (Hop(web.url(path), status),)
    assert result.attempts == 1
    assert result.method == "GET"


async def test_an_alive_page_reports_title_and_fingerprint(
    web: TestWeb, make_checker: MakeChecker
) -> None:
    result = await check(make_checker, web.url("/ok"))
    assert result.title == "A page at /ok"
    assert result.fingerprint is not None and len(result.fingerprint) == 64
    assert result.final_url == web.url("/ok")


@pytest.mark.parametrize("code", [500, 502, 503, 504])
async def test_5xx_is_an_error_after_retries(
    web: TestWeb, make_checker: MakeChecker, fake_time: FakeTime, code: int
) -> None:
    result = await check(make_checker, web.url(f"/status/{code}"))
    assert (result.verdict, result.error_kind, result.status_code) == (
        Verdict.ERROR,
        ErrorKind.HTTP_STATUS,
        code,
    )
    assert result.attempts == 3
    assert web.requests_per_path[f"/status/{code}"] == 3
    assert fake_time.sleeps == [1.0, 2.0]


# --------------------------------------------------------------------------- redirects


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
async def test_redirect_chains_of_each_code_are_followed_and_recorded(
    web: TestWeb, make_checker: MakeChecker, code: int
) -> None:
    result = await check(make_checker, web.url(f"/chain/{code}/3"))
    assert result.hops == (
        Hop(web.url(f"/chain/{code}/3"), code, f"/chain/{code}/2"),
        Hop(web.url(f"/chain/{code}/2"), code, f"/chain/{code}/1"),
        Hop(web.url(f"/chain/{code}/1"), code, "/ok"),
        Hop(web.url("/ok"), 200),
    )
    assert result.final_url == web.url("/ok")
    assert result.status_code == 200
    # Temporary redirects are fine; a permanent one to a different page is a move.
    expected = Verdict.MOVED if code in (301, 308) else Verdict.ALIVE
    assert result.verdict is expected


async def test_a_permanent_move_to_another_page_is_moved(
    web: TestWeb, make_checker: MakeChecker
) -> None:
    result = await check(make_checker, web.url("/moved"))
    assert result.verdict is Verdict.MOVED
    assert result.hops == (Hop(web.url("/moved"), 301, "/new-home"), Hop(web.url("/new-home"), 200))


async def test_a_trailing_slash_redirect_is_alive(web: TestWeb, make_checker: MakeChecker) -> None:
    result = await check(make_checker, web.url("/trailing"))
    assert result.verdict is Verdict.ALIVE
    assert statuses(result) == [301, 200]


async def test_redirect_to_a_404_is_dead(web: TestWeb, make_checker: MakeChecker) -> None:
    result = await check(make_checker, web.url("/redirect/301?to=/status/404"))
    assert (result.verdict, result.error_kind, result.status_code) == (
        Verdict.DEAD,
        ErrorKind.HTTP_STATUS,
        404,
    )
    assert result.hops == (
        Hop(web.url("/redirect/301?to=/status/404"), 301, "/status/404"),
        Hop(web.url("/status/404"), 404),
    )


async def test_relative_location_is_resolved(web: TestWeb, make_checker: MakeChecker) -> None:
    result = await check(make_checker, web.url("/rel/deep/start"))
    assert result.verdict is Verdict.ALIVE
    assert result.hops == (
        Hop(web.url("/rel/deep/start"), 302, "../../ok"),
        Hop(web.url("/ok"), 200),
    )


async def test_redirect_to_another_host_is_followed(
    web: TestWeb, make_checker: MakeChecker
) -> None:
    target = web.url("/ok", host="127.0.0.2")
    result = await check(make_checker, web.url(f"/redirect/302?to={target}"))
    assert result.verdict is Verdict.ALIVE
    assert result.final_url == target
    assert web.requests_per_host["127.0.0.2"] == 1


@pytest.mark.parametrize(
    ("path", "hop_statuses"),
    [("/loop/a", [302, 302]), ("/loop/self", [301])],
)
async def test_redirect_loops_are_detected(
    web: TestWeb, make_checker: MakeChecker, path: str, hop_statuses: list[int]
) -> None:
    result = await check(make_checker, web.url(path))
    assert (result.verdict, result.error_kind) == (Verdict.ERROR, ErrorKind.REDIRECT_LOOP)
    assert statuses(result) == hop_statuses
    assert result.attempts == 1


async def test_too_many_redirects(web: TestWeb, make_checker: MakeChecker) -> None:
    result = await check(make_checker, web.url("/chain/302/6"), max_redirects=4)
    assert (result.verdict, result.error_kind) == (Verdict.ERROR, ErrorKind.TOO_MANY_REDIRECTS)
    assert statuses(result) == [302] * 5
    assert web.requests_per_path["/ok"] == 0


async def test_cookie_setting_redirects_work(web: TestWeb, make_checker: MakeChecker) -> None:
    result = await check(make_checker, web.url("/cookie/start"))
    assert result.verdict is Verdict.ALIVE
    assert result.title == "Behind the cookie wall"
    assert result.hops == (
        Hop(web.url("/cookie/start"), 302, "/cookie/set"),
        Hop(web.url("/cookie/set"), 302, "/cookie/start"),
        Hop(web.url("/cookie/start"), 200),
    )


async def test_cookies_do_not_leak_between_links(web: TestWeb, make_checker: MakeChecker) -> None:
    async with make_checker() as checker:
        first = await checker.check(web.url("/cookie/start"))
        second = await checker.check(web.url("/cookie/start?again"))
    assert len(first.hops) == len(second.hops) == 3  # the second link had to earn its cookie too


# --------------------------------------------------------------------------- soft 404s


@pytest.mark.parametrize(
    ("path", "hop_statuses"),
    [
        ("/soft404", [200]),
        ("/soft404-heading", [200]),
        ("/deep/article/7", [302, 200]),
        ("/missing-page", [302, 200]),
        ("/guides/404-errors", [200]),  # its address names an error, not the one it says
    ],
)
async def test_soft_404s(
    web: TestWeb, make_checker: MakeChecker, path: str, hop_statuses: list[int]
) -> None:
    result = await check(make_checker, web.url(path))
    assert (result.verdict, result.error_kind, result.status_code) == (Verdict.SOFT_404, None, 200)
    assert statuses(result) == hop_statuses
    assert result.error  # the reason is given


@pytest.mark.parametrize("path", list(PAGES_ABOUT_ERRORS))
async def test_live_pages_about_errors_are_alive(
    web: TestWeb, make_checker: MakeChecker, path: str
) -> None:
    # A link-rot tool's documents cite exactly these pages.
    result = await check(make_checker, web.url(path))
    assert (result.verdict, result.status_code) == (Verdict.ALIVE, 200)
    assert result.title == PAGES_ABOUT_ERRORS[path]


async def test_a_page_about_an_error_keeps_its_address_through_a_trivial_redirect(
    web: TestWeb, make_checker: MakeChecker
) -> None:
    result = await check(make_checker, web.url("/wiki/Gone/"))  # 301 to /wiki/Gone
    assert (result.verdict, statuses(result)) == (Verdict.ALIVE, [301, 200])


async def test_a_page_a_redirect_leads_to_is_judged_by_its_title_alone(
    web: TestWeb, make_checker: MakeChecker
) -> None:
    # The server chose where to send the cited URL: a page there calling itself
    # "Gone" is its error page, whatever that page's own address says.
    result = await check(make_checker, web.url("/redirect/302?to=/wiki/Gone"))
    assert (result.verdict, statuses(result)) == (Verdict.SOFT_404, [302, 200])


async def test_the_home_page_itself_is_alive(web: TestWeb, make_checker: MakeChecker) -> None:
    assert (await check(make_checker, web.url("/"))).verdict is Verdict.ALIVE


# --------------------------------------------------------------------------- HEAD


@pytest.mark.parametrize("path", ["/head-405", "/head-404"])
async def test_head_hostile_servers_fall_back_to_get(
    web: TestWeb, make_checker: MakeChecker, path: str
) -> None:
    result = await check(make_checker, web.url(path), head_first=True)
    assert (result.verdict, result.method, result.status_code) == (Verdict.ALIVE, "GET", 200)
    assert web.methods_per_path["HEAD", path] == 1
    assert web.methods_per_path["GET", path] == 1


async def test_head_first_takes_a_2xx_head_answer(web: TestWeb, make_checker: MakeChecker) -> None:
    result = await check(make_checker, web.url("/ok"), head_first=True)
    assert (result.verdict, result.method) == (Verdict.ALIVE, "HEAD")
    assert web.methods_per_path["GET", "/ok"] == 0


async def test_head_first_never_calls_dead_on_head_alone(
    web: TestWeb, make_checker: MakeChecker
) -> None:
    result = await check(make_checker, web.url("/status/404"), head_first=True)
    assert (result.verdict, result.method) == (Verdict.DEAD, "GET")
    assert web.methods_per_path["GET", "/status/404"] == 1


async def test_get_is_the_default(web: TestWeb, make_checker: MakeChecker) -> None:
    await check(make_checker, web.url("/ok"))
    assert web.methods_per_path["HEAD", "/ok"] == 0


# --------------------------------------------------------------------------- walls


async def test_a_403_that_only_browsers_pass_lets_us_in(
    web: TestWeb, make_checker: MakeChecker
) -> None:
    assert (await check(make_checker, web.url("/browser-only"))).verdict is Verdict.ALIVE
    bot = await check(make_checker, web.url("/browser-only"), user_agent="linkcheck/0.1")
    assert (bot.verdict, bot.status_code) == (Verdict.BLOCKED, 403)


@pytest.mark.parametrize(("path", "status"), [("/challenge", 403), ("/challenge-503", 503)])
async def test_bot_challenges_are_blocked_and_not_retried(
    web: TestWeb, make_checker: MakeChecker, path: str, status: int
) -> None:
    result = await check(make_checker, web.url(path))
    assert (result.verdict, result.status_code, result.attempts) == (Verdict.BLOCKED, status, 1)


async def test_extra_headers_per_host(web: TestWeb, make_checker: MakeChecker) -> None:
    headers = {"127.0.0.1": {"X-Token": "secret"}}
    result = await check(make_checker, web.url("/needs-token"), host_headers=headers)
    assert result.verdict is Verdict.ALIVE
    other = await check(
        make_checker, web.url("/needs-token", host="127.0.0.2"), host_headers=headers
    )
    assert (other.verdict, other.status_code) == (Verdict.BLOCKED, 401)


# --------------------------------------------------------------------------- retries


async def test_a_503_that_recovers_is_alive(
    web: TestWeb, make_checker: MakeChecker, fake_time: FakeTime
) -> None:
    result = await check(make_checker, web.url("/flaky/2/x"))
    assert (result.verdict, result.status_code, result.attempts) == (Verdict.ALIVE, 200, 3)
    assert fake_time.sleeps == [1.0, 2.0]


async def test_429_with_retry_after_seconds_is_honoured(
    web: TestWeb, make_checker: MakeChecker, fake_time: FakeTime
) -> None:
    result = await check(make_checker, web.url("/limited-once/a"))
    assert (result.verdict, result.attempts) == (Verdict.ALIVE, 2)
    assert 2.0 in fake_time.sleeps


async def test_429_with_retry_after_date_is_honoured(
    web: TestWeb, make_checker: MakeChecker, fake_time: FakeTime
) -> None:
    result = await check(make_checker, web.url("/retry-after-date/30"))
    assert (result.verdict, result.status_code, result.attempts) == (Verdict.BLOCKED, 429, 3)
    # The HTTP date is about 30 s ahead (the header has whole seconds).
    assert all(28.0 <= wait <= 31.0 for wait in fake_time.sleeps if wait > 0)


async def test_429_after_retries_is_blocked_not_dead(
    web: TestWeb, make_checker: MakeChecker
) -> None:
    result = await check(make_checker, web.url("/retry-after/1"))
    assert (result.verdict, result.error_kind, result.attempts) == (
        Verdict.BLOCKED,
        ErrorKind.HTTP_STATUS,
        3,
    )


async def test_a_retry_after_beyond_the_cap_is_not_waited_for(
    web: TestWeb, make_checker: MakeChecker, fake_time: FakeTime
) -> None:
    result = await check(make_checker, web.url("/retry-after/3600"))
    assert (result.verdict, result.attempts) == (Verdict.BLOCKED, 1)
    assert web.requests_per_path["/retry-after/3600"] == 1


# --------------------------------------------------------------------------- slow and big


async def test_a_slow_server_times_out(web: TestWeb, make_checker: MakeChecker) -> None:
    result = await check(make_checker, web.url("/slow/5"), retry=_ONE_ATTEMPT)
    assert (result.verdict, result.error_kind, result.status_code) == (
        Verdict.ERROR,
        ErrorKind.TIMEOUT,
        None,
    )
    assert result.hops == ()


async def test_timeouts_are_retried(web: TestWeb, make_checker: MakeChecker) -> None:
    result = await check(make_checker, web.url("/slow/5"), total_timeout=0.2)
    assert (result.error_kind, result.attempts) == (ErrorKind.TIMEOUT, 3)


async def test_a_trickling_body_does_not_hold_the_check(
    web: TestWeb, make_checker: MakeChecker
) -> None:
    result = await check(make_checker, web.url("/trickle/0.1"), retry=_ONE_ATTEMPT)
    # The status arrived at once; the body sniff stopped at the total timeout.
    assert (result.verdict, result.status_code) == (Verdict.ALIVE, 200)
    assert web.bytes_sent["/trickle/0.1"] < 100


async def test_a_huge_body_is_not_downloaded(web: TestWeb, make_checker: MakeChecker) -> None:
    result = await check(make_checker, web.url("/huge"))
    assert (result.verdict, result.title) == (Verdict.ALIVE, "A huge page")
    # Only socket buffers' worth went out beyond the prefix read.
    assert web.bytes_sent["/huge"] < HUGE_BODY_BYTES // 4


async def test_non_html_bodies_are_not_sniffed(web: TestWeb, make_checker: MakeChecker) -> None:
    result = await check(make_checker, web.url("/not-html"))
    assert (result.verdict, result.title, result.fingerprint) == (Verdict.ALIVE, None, None)


# --------------------------------------------------------------------------- transport failures


async def test_a_refused_port_is_an_error_after_retries(make_checker: MakeChecker) -> None:
    result = await check(make_checker, TestWeb.refused_url("/x"))
    assert (result.verdict, result.error_kind, result.attempts) == (
        Verdict.ERROR,
        ErrorKind.REFUSED,
        3,
    )


async def test_a_reset_connection_is_an_error(web: TestWeb, make_checker: MakeChecker) -> None:
    result = await check(make_checker, web.url("/reset"))
    assert (result.verdict, result.error_kind, result.attempts) == (
        Verdict.ERROR,
        ErrorKind.RESET,
        3,
    )


#: Answers no HTTP server should give, each with what the report must say instead
#: of aiohttp's wording ("400, message=…", or a dump of its parser's objects).
BROKEN_ANSWERS = {
    "/mid-headers": (b"HTTP/1.1 200 OK\r\nContent-Ty", ErrorKind.RESET, "closed the connection"),
    "/not-http": (b"THIS IS NOT HTTP\r\n\r\n", ErrorKind.PROTOCOL, "malformed answer: Bad status"),
    "/cut-short": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: text/html\r\n\r\nabc",
        None,
        None,
    ),
}


@pytest.fixture
async def broken_server() -> AsyncIterator[str]:
    """A loopback server that answers each path of BROKEN_ANSWERS with its bytes, then hangs up."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        path = (await reader.readline()).split()[1].decode()
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        writer.write(BROKEN_ANSWERS[path][0])
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.close()
    await server.wait_closed()


@pytest.mark.parametrize("path", [p for p, (_, kind, _) in BROKEN_ANSWERS.items() if kind])
async def test_a_broken_answer_is_described_in_words(
    broken_server: str, make_checker: MakeChecker, path: str
) -> None:
    _, kind, words = BROKEN_ANSWERS[path]
    result = await check(make_checker, broken_server + path, retry=_ONE_ATTEMPT)
    assert (result.verdict, result.error_kind) == (Verdict.ERROR, kind)
    assert result.error is not None and words is not None and words in result.error
    for internal in ("message=", "RawResponseMessage", "400,", "\n"):
        assert internal not in result.error


async def test_a_body_cut_short_keeps_what_arrived(
    broken_server: str, make_checker: MakeChecker
) -> None:
    # Only the start of a page is read (for its title); a short body is no failure.
    result = await check(make_checker, broken_server + "/cut-short", retry=_ONE_ATTEMPT)
    assert (result.verdict, result.status_code) == (Verdict.ALIVE, 200)


async def test_a_self_signed_certificate_is_a_tls_error(
    web: TestWeb, make_checker: MakeChecker
) -> None:
    result = await check(make_checker, web.tls_url("/ok"))
    assert (result.verdict, result.error_kind, result.attempts) == (
        Verdict.ERROR,
        ErrorKind.TLS,
        1,
    )


async def test_tls_verification_can_be_turned_off(web: TestWeb, make_checker: MakeChecker) -> None:
    result = await check(make_checker, web.tls_url("/ok"), verify_tls=False)
    assert (result.verdict, result.status_code) == (Verdict.ALIVE, 200)


async def test_a_redirect_to_an_unsupported_scheme_is_a_protocol_error(
    web: TestWeb, make_checker: MakeChecker
) -> None:
    result = await check(make_checker, web.url("/redirect/302?to=ftp://files.example/x"))
    assert (result.verdict, result.error_kind) == (Verdict.ERROR, ErrorKind.PROTOCOL)
    assert statuses(result) == [302]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/file",
        "mailto:someone@example.com",
        "http://exa mple.com/",
        "http://[::1/",
        "http://a:99999/",
    ],
)
async def test_malformed_urls_are_invalid_without_a_request(
    make_checker: MakeChecker, url: str
) -> None:
    result = await check(make_checker, url)
    assert (result.verdict, result.error_kind, result.attempts) == (
        Verdict.INVALID,
        ErrorKind.INVALID_URL,
        0,
    )
