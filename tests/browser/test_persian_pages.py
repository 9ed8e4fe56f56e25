"""The Persian edition (`make book-fa`, _build/html/fa/) in headless Chromium.

At 1280 px each page gets the English pages' check (browserlib.check_page: math typeset,
figures drawn, widget snapshots, explorers' sliders, animations, no console error); at
1280 and 390 px: the page is right to left, its prose reads right to left and its code,
outputs and display math left to right, untranslated paragraphs left to right, the Persian
font is the site's own, nothing is wider than the window, and the link to the English page
works. Screenshots go to _build/screenshots/fa/<page>-<width>.png.

The English and the Persian trees are served together (the Persian one is <site>/fa/), so
the links between them are real. Needs `make book` and `make book-fa`.
"""

import browserlib as bl
import pytest
from browserlib import browser_fixture  # noqa: F401  (pytest fixtures)

HTML = bl.book_html()
FA = HTML / "fa"
PAGES = bl.toc_pages()
WIDTHS = [1280, 390]

# what the page says about its own layout, measured in the browser
LAYOUT = """() => {
  const dir = e => e ? getComputedStyle(e).direction : null;
  const all = sel => [...document.querySelectorAll(sel)];
  const prose = all('article p').filter(p => /[\\u0600-\\u06FF]/.test(p.textContent)
      && !p.closest('.untranslated, .cell_output, table'));
  const ltr = all('article div.highlight pre, article div.math, article .cell_output');
  return {
    dir: document.documentElement.getAttribute('dir'),
    lang: document.documentElement.getAttribute('lang'),
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    wide: all('body *').filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
        && !e.closest('.bd-sidebar-primary, .bd-sidebar-secondary, pre, .cell_output, '
                      + '.table-wrapper, mjx-container, .MathJax, .highlight, '
                      + '.bd-search, .search-button__wrapper, dialog'))
        .filter(e => getComputedStyle(e).visibility !== 'hidden'
                 && e.getClientRects().length)
        .slice(0, 3).map(e => e.tagName + '.' + e.className),
    rtlProse: prose.length, ltrProse: prose.filter(p => dir(p) !== 'rtl').length,
    ltrBlocks: ltr.length, rtlBlocks: ltr.filter(e => dir(e) !== 'ltr').length,
    untranslatedRtl: all('.untranslated').filter(e => dir(e) !== 'ltr').length,
    font: document.fonts.check('16px Vazirmatn', 'بهینه'),
    fontLoaded: [...document.fonts].some(f => f.family.replace(/"/g, '') === 'Vazirmatn'
                                          && f.status === 'loaded'),
    switchHref: (document.querySelector('a.bilingual-switch') || {}).href || null,
  };
}"""


@pytest.fixture(scope="module")
def site(browser):
    if not (FA / "book" / "intro.html").exists():
        bl.skip_or_fail(f"no Persian build at {FA}: run `make book` and `make book-fa`")
    with bl.serve(HTML) as base:
        yield base


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("docname", PAGES)
def test_persian_page(site, browser, docname, width):
    assert (FA / f"{docname}.html").exists(), f"{docname} has no Persian page"
    shot = bl.screenshot_dir(HTML) / "fa" / f"{docname.replace('/', '_')}-{width}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page = bl.new_page(browser, site)
    page.set_viewport_size({"width": width, "height": 900})
    try:
        if width == 1280:  # the full check of the English pages, on the Persian page
            expect = bl.expectations(bl.source_of(docname))
            report = bl.check_page(page, f"{site}fa/{docname}.html", expect, screenshot=shot)
            problems = list(report.problems)
        else:
            page.goto(f"{site}fa/{docname}.html", wait_until="load")
            page.evaluate("document.fonts.ready")
            page.wait_for_timeout(300)
            page.screenshot(path=str(shot), full_page=True)
            problems = []
        page.evaluate("document.fonts.ready")
        got = page.evaluate(LAYOUT)
        if (got["dir"], got["lang"]) != ("rtl", "fa"):
            problems.append(f"<html> has lang={got['lang']} dir={got['dir']}")
        if got["overflow"] > 1 or got["wide"]:
            problems.append(f"{got['overflow']} px wider than the {width} px window: {got['wide']}")
        if got["ltrProse"]:
            problems.append(
                f"{got['ltrProse']} of {got['rtlProse']} Persian paragraphs are not right to left"
            )
        if got["rtlBlocks"]:
            problems.append(
                f"{got['rtlBlocks']} of {got['ltrBlocks']} code/output/math "
                "blocks are not left to right"
            )
        if got["untranslatedRtl"]:
            problems.append(
                f"{got['untranslatedRtl']} untranslated paragraphs are not left to right"
            )
        if got["rtlProse"] and not (got["font"] and got["fontLoaded"]):
            problems.append("the Persian font (_static/vendor/vazirmatn) did not load")
        english = f"{site}{docname}.html"
        if not (got["switchHref"] or "").startswith(english):
            problems.append(f"the language link goes to {got['switchHref']}, not {english}")
        elif page.request.get(english).status != 200:
            problems.append(f"the language link {english} does not load")
    finally:
        page.context.close()
    assert not problems, f"fa/{docname} at {width} px:\n  " + "\n  ".join(problems)
