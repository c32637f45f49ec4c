"""Answers no well-behaved server sends: header bytes that are not UTF-8, pages whose
charset only their ``<meta>`` names, charset labels no page is written in.

Each must end in the link's ordinary verdict, never in a failed run or garbled text.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck.cli import app
from linkcheck.types import CheckResult, Hop, Verdict
from tests.check.conftest import MakeChecker
from tests.conftest import BackgroundLoop
from tests.web import RawWeb, raw_answer

HTML = b"text/html"


def html_page(title: str, encoding: str, head: str = "", *, bom: bytes = b"") -> bytes:
    text = f"<!doctype html><html><head>{head}<title>{title}</title></head><body>x</body></html>"
    return bom + text.encode(encoding)


#: A redirect whose Location holds a latin-1 "é" (not UTF-8), and where it leads.
LATIN1_REDIRECT = {
    "/old-cafe": raw_answer("302 Found", {"Location": b"/caf\xe9"}),
    "/caf%E9": raw_answer("200 OK", {"Content-Type": HTML}, html_page("Café", "utf-8")),
}

#: Pages whose charset is declared only in a <meta>, by path: (body, the title in it).
META_DECLARED = {
    "/es-http-equiv": (
        '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">',
        "Página no encontrada",
        "latin-1",
    ),
    "/en-meta-charset": (
        '<meta charset="windows-1252">',
        "Oops! That page can’t be found.",
        "cp1252",
    ),
    "/ja-meta-charset": ("<meta charset=Shift_JIS>", "ページが見つかりません", "shift_jis"),
}

ODD_LABELS = ["idna", "punycode", "undefined", "unicode_escape", "utf-7", "x-no-such", "hex"]


async def check(make_checker: MakeChecker, url: str) -> CheckResult:
    async with make_checker() as checker:
        return await checker.check(url)


@pytest.fixture
async def raw_web() -> AsyncIterator[RawWeb]:
    answers = dict(LATIN1_REDIRECT)
    for path, (meta, title, encoding) in META_DECLARED.items():
        body = html_page(title, encoding, meta)
        answers[path] = raw_answer("200 OK", {"Content-Type": HTML}, body)
    for label in ODD_LABELS:
        body = html_page("Café", "utf-8", "<p>\\ud800 \\x41</p>")  # text the escapes would read
        content_type = b"text/html; charset=" + label.encode()
        answers[f"/charset/{label}"] = raw_answer("200 OK", {"Content-Type": content_type}, body)
    server = RawWeb(answers)
    await server.start()
    yield server
    await server.close()


# --------------------------------------------------------------------------- header bytes


async def test_a_location_that_is_not_utf8_is_followed_and_recorded_as_valid_text(
    raw_web: RawWeb, make_checker: MakeChecker
) -> None:
    result = await check(make_checker, raw_web.url("/old-cafe"))
    assert (result.verdict, result.status_code, result.title) == (Verdict.ALIVE, 200, "Café")
    assert result.hops == (
        Hop(raw_web.url("/old-cafe"), 302, "/caf%E9"),
        Hop(raw_web.url("/caf%E9"), 200),
    )


@pytest.fixture
def background_raw_web(background: BackgroundLoop) -> Iterator[RawWeb]:
    """The same server on the background loop, for the command line's own event loop."""
    server = RawWeb(LATIN1_REDIRECT)
    background.run(server.start())
    yield server
    background.run(server.close())


def test_a_run_with_a_non_utf8_location_stores_every_link_and_hop(
    workdir: Path, background_raw_web: RawWeb
) -> None:
    links = [background_raw_web.url("/old-cafe"), background_raw_web.url("/caf%E9")]
    (workdir / "links.txt").write_text("\n".join(links) + "\n")
    result = CliRunner().invoke(
        app, ["check", "links.txt", "--db", "sqlite:///links.db", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["run"]["status"] == "completed"
    verdicts = {link["url"]: link["verdict"] for link in report["links"]}
    assert verdicts == dict.fromkeys(links, "alive")
    with sqlite3.connect(workdir / "links.db") as db:
        locations = db.execute("select location from hops where location is not null").fetchall()
        checks = db.execute("select count(*) from checks").fetchall()
    assert locations == [("/caf%E9",)]
    assert checks == [(2,)]


# --------------------------------------------------------------------------- charsets


@pytest.mark.parametrize("path", list(META_DECLARED))
async def test_a_charset_named_only_in_a_meta_is_used(
    raw_web: RawWeb, make_checker: MakeChecker, path: str
) -> None:
    result = await check(make_checker, raw_web.url(path))
    assert (result.verdict, result.status_code) == (Verdict.SOFT_404, 200)
    assert result.title == META_DECLARED[path][1]


@pytest.mark.parametrize("label", ODD_LABELS)
async def test_an_odd_charset_label_keeps_the_page_alive_and_its_text_valid(
    raw_web: RawWeb, make_checker: MakeChecker, label: str
) -> None:
    result = await check(make_checker, raw_web.url(f"/charset/{label}"))
    assert (result.verdict, result.status_code, result.error_kind) == (Verdict.ALIVE, 200, None)
    assert result.title == "Café"  # read as UTF-8, the fallback
    assert result.fingerprint is not None
