"""The HTML report: self-contained, escaped, and readable in a real browser."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from linkcheck.report import ReportData, ReportOptions, render
from linkcheck.report.html import MAX_FINDINGS, MAX_LISTED
from linkcheck.types import CitationRef, Role
from tests.report.browser import dump_dom, screenshot, visible_text
from tests.report.sample import DEAD_ARCHIVE, DEAD_URL, VANISHED_URL, sample_links

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
HOSTILE = '<script>alert("x")</script>'


def _hostile_data() -> ReportData:
    row = sample_links()[2]
    return ReportData(
        links=[
            replace(
                row,
                url=f"https://evil.example/{HOSTILE}",
                citations=(CitationRef(f"docs/{HOSTILE}.md", (1,), Role.INLINE, title=HOSTILE),),
                result=replace(row.result, error=HOSTILE) if row.result else None,
            ),
            replace(row, url="javascript:alert(1)", snapshot=None),
        ]
    )


def _finding(dom: str, url: str) -> str:
    """The HTML of the findings-table row for ``url``."""
    rows: list[str] = re.findall(r'<tr class="finding".*?</tr>', dom, flags=re.S)
    (row,) = [row for row in rows if f'data-originalurl="{url}"' in row]
    return row


# --------------------------------------------------------------------------- static


def test_page_fetches_nothing_and_runs_nothing(data: ReportData) -> None:
    page = render("html", data)
    assert "<script" not in page
    assert not re.search(r"\b(src|srcset)=", page)
    assert "<link" not in page
    assert "@import" not in page and "url(" not in page
    assert "Content-Security-Policy" in page


def test_everything_from_documents_and_pages_is_escaped() -> None:
    page = render("html", _hostile_data())
    assert HOSTILE not in page
    assert "&lt;script&gt;" in page
    # A cited javascript: URL is shown, never made clickable.
    assert 'href="javascript:' not in page


def test_cited_links_carry_robust_links_attributes(data: ReportData) -> None:
    row = _finding(render("html", data), DEAD_URL)
    assert f'href="{DEAD_URL}"' in row
    assert f'data-versionurl="{DEAD_ARCHIVE}"' in row
    assert 'data-versiondate="2019-06-01"' in row  # the citation's date


# --------------------------------------------------------------------------- browser


def test_report_reads_right_in_headless_chromium(
    data: ReportData, chromium: str, tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    page.write_text(render("html", data), encoding="utf-8")

    dom = dump_dom(chromium, page, tmp_path / "profile")
    text = visible_text(dom)

    # The headline: citations, dead sources, and how many of those are archived.
    assert "8 citations of 7 sources in 3 documents" in text
    assert "3 dead sources, cited 4 times" in text
    assert "2 of the dead sources have an archived copy" in text
    # A dead source, where it is cited, and a link to its archived copy.
    dead = _finding(dom, DEAD_URL)
    assert f'class="archive" href="{DEAD_ARCHIVE}"' in dead
    assert "docs/guide.md</code> lines 7, 19, 33" in dead
    assert "captured 1 March 2019" in visible_text(dead)
    assert "Captured after the citation" in visible_text(_finding(dom, VANISHED_URL))
    # The rot-over-time chart, drawn as SVG with one bar segment per verdict and run.
    chart = re.search(r'<svg class="chart".*?</svg>', dom, flags=re.S)
    assert chart is not None
    assert len(re.findall(r'<rect [^>]*data-verdict="dead"', chart.group())) == 2
    assert "Link rot over time" in text
    # Redirect chains wait behind a click; the sites table ranks the rot.
    assert "Redirect chain (2 steps)" in text
    assert "https://shop.example.com/ → 200" not in text
    assert "Sites that rot most" in text

    png = ARTIFACTS / "report.png"
    screenshot(chromium, page, png, tmp_path / "profile", size=(1280, 2000))
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert png.stat().st_size > 20_000  # a painted page, not a blank one


def test_hostile_content_stays_text_in_the_browser(chromium: str, tmp_path: Path) -> None:
    page = tmp_path / "hostile.html"
    page.write_text(render("html", _hostile_data()), encoding="utf-8")
    dom = dump_dom(chromium, page, tmp_path / "profile")
    assert "<script" not in dom
    assert HOSTILE in visible_text(dom)


@pytest.mark.parametrize("runs", [0, 1, 40])
def test_chart_copes_with_any_number_of_runs(data: ReportData, runs: int) -> None:
    history = [replace(data.runs[-1], id=index) for index in range(runs)]
    page = render("html", replace(data, runs=history, run=None if runs == 0 else data.run))
    if runs == 0:
        assert "No runs stored yet." in page
    else:
        assert page.count('data-verdict="dead" data-count="2"') == runs


def test_a_huge_run_lists_its_most_serious_links_and_says_how_many_more(
    data: ReportData,
) -> None:
    alive = next(row for row in data.links if row.result and row.result.verdict == "alive")
    many = [replace(alive, url=f"https://example.org/page/{n:05d}") for n in range(MAX_LISTED)]
    big = replace(data, links=[*data.links, *many])
    extra = len(big.links) - MAX_LISTED

    def all_section(page: str) -> str:
        found = re.search(r'<section id="all">.*?</section>', page, flags=re.S)
        assert found is not None
        return found.group()

    capped = all_section(render("html", big))
    assert capped.count("<tr><td>") == MAX_LISTED
    assert f"and {extra} more links not listed" in capped
    assert f'data-originalurl="{DEAD_URL}"' in capped  # the dead come first
    assert f"All {len(big.links)} cited links" in capped
    everything = all_section(render("html", big, ReportOptions(show_all=True)))
    assert everything.count("<tr><td>") == len(big.links)
    assert "not listed" not in everything


def test_a_night_with_thousands_of_dead_links_lists_the_first_and_counts_the_rest(
    data: ReportData,
) -> None:
    dead = next(row for row in data.links if row.url == DEAD_URL)
    many = [replace(dead, url=f"https://gone.example/{n:05d}") for n in range(MAX_FINDINGS + 5)]
    page = render("html", replace(data, links=many))
    section = re.search(r'<section id="dead">.*?</section>', page, flags=re.S)
    assert section is not None
    assert f"Dead sources ({len(many)})" in section.group()  # the count is the whole night's
    assert section.group().count('<tr class="finding"') == MAX_FINDINGS
    assert "and 5 more not listed here" in section.group()
    full = render("html", replace(data, links=many), ReportOptions(show_all=True))
    assert full.count('<tr class="finding"') == len(many)
