"""Tests of the browser checker itself, on the fixture book (fixtures/minibook).

The good pages must pass and show every kind of content the checker looks at (math,
figures, widget snapshots, an animation, a Binder link); deliberately broken copies of
the notebook page must each be reported, by the same `check_page` the book tests use.
The same goes for the internal link checker.
"""

import re
import shutil

import browserlib as bl
import internal_links
import minibook
import pytest
from browserlib import browser_fixture, fixture_book_fixture  # noqa: F401  (pytest fixtures)

NOTEBOOK_PAGE = "widgets_demo.html"


def check(browser, base, name, expect):
    page = bl.new_page(browser, base)
    try:
        return bl.check_page(page, f"{base}{name}", expect)
    finally:
        page.context.close()


def test_fixture_book_passes(browser, fixture_book):
    with bl.serve(fixture_book) as base:
        intro = check(browser, base, "intro.html", bl.expectations(minibook.SOURCE / "intro.md"))
        # the committed fixture notebook has no outputs (the build executes it), so say
        # what the built page holds
        expect = bl.Expect(math=True, widgets=True, animation=True, notebook=True)
        nb = check(browser, base, NOTEBOOK_PAGE, expect)
    assert not intro.problems, str(intro)
    assert not nb.problems, str(nb)
    # the checks really ran: math, widgets and an animation, all drawn
    assert intro.notes["math"]["containers"] == 2
    assert nb.notes["math"]["containers"] >= 1
    assert nb.notes["widgets"]["sliders"] == 2
    assert nb.notes["widgets"]["rendered"] >= 4  # VBox, HBox, 2 sliders, Output
    assert nb.notes["animations"] == 1
    assert nb.notes["images"] >= 3  # static figure, widget snapshot, animation frame


def test_fixture_notebook_page_has_binder_link(fixture_book):
    cfg = minibook.config()
    repo = re.sub(r"^https://github\.com/", "", cfg["repository"]["url"]).rstrip("/")
    path = f"{cfg['repository']['path_to_book']}/widgets_demo.ipynb"
    link = (
        f"{cfg['launch_buttons']['binderhub_url'].rstrip('/')}/v2/gh/{repo}/"
        f"{cfg['repository']['branch']}?urlpath=lab/tree/{path}"
    )
    assert link in (fixture_book / NOTEBOOK_PAGE).read_text()
    assert (bl.ROOT / path).exists()  # the link names a notebook of the repository


def _drop_mathjax(html):
    return re.sub(r'<script[^>]*src="[^"]*_static/vendor/mathjax/[^"]*"[^>]*></script>', "", html)


def _load_from_cdn(html):
    # what every page did before the site served its own copies: MathJax from a CDN
    return re.sub(
        r'src="[^"]*_static/vendor/mathjax/es5/tex-mml-chtml\.js[^"]*"',
        'src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"',
        html,
    )


def _break_figure(html):
    return re.sub(r'src="_images/[0-9a-f]+\.png"', 'src="_images/missing.png"', html, count=1)


def _inject_error(html):
    return html.replace("</body>", '<script>throw new Error("injected failure")</script></body>')


def _break_view(html):
    # the displayed (top-level) widget's model class is unknown: no view can be made
    return html.replace('"model_name": "VBoxModel"', '"model_name": "NoSuchModel"', 1)


def _break_child(html):
    # one slider's model class is unknown: the rest renders, the manager logs an error
    return html.replace('"model_name": "FloatSliderModel"', '"model_name": "NoSuchModel"', 1)


def _break_animation(html):
    return html.replace("new Animation(", "new NoSuchAnimation(")


def _stuck_animation(html):
    # the animation plays, but every frame is the first: the picture never changes
    return re.sub(r"(frames\[\d+\] = )", r"\1frames[0] || ", html)


BROKEN = {
    "no_mathjax": (_drop_mathjax, bl.Expect(math=True), "the source has math"),
    "cdn_request": (
        _load_from_cdn,
        bl.Expect(math=True),
        "request to another host (refused): "
        "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js",
    ),
    "figure_404": (_break_figure, bl.Expect(), "image not loaded: "),
    "figure_404_status": (_break_figure, bl.Expect(), "HTTP 404 for "),
    "page_error": (_inject_error, bl.Expect(), "console error: pageerror: injected failure"),
    "widget_view": (_break_view, bl.Expect(widgets=True), "widget view(s) failed to render"),
    "widget_child": (
        _break_child,
        bl.Expect(widgets=True),
        "console error: Class NoSuchModel not found",
    ),
    "animation_dead": (_break_animation, bl.Expect(animation=True), "animation 1: no frame shown"),
    "animation_stuck": (
        _stuck_animation,
        bl.Expect(animation=True),
        "animation 1: 'Next frame' did not change the frame",
    ),
}


@pytest.fixture(scope="module")
def broken_site(fixture_book, tmp_path_factory):
    """A copy of the fixture site with one corrupted copy of the notebook page per case."""
    site = tmp_path_factory.mktemp("broken") / "html"
    shutil.copytree(fixture_book, site)
    good = (site / NOTEBOOK_PAGE).read_text()
    for name, (corrupt, _, _) in BROKEN.items():
        bad = corrupt(good)
        assert bad != good, f"{name}: the corruption did not apply"
        (site / f"broken_{name}.html").write_text(bad)
    with bl.serve(site) as base:
        yield base


@pytest.mark.parametrize("case", BROKEN)
def test_checker_reports_broken_page(browser, broken_site, case):
    _, expect, message = BROKEN[case]
    report = check(browser, broken_site, f"broken_{case}.html", expect)
    assert any(message in p for p in report.problems), (
        f"expected a problem containing {message!r}, got:\n{report}"
    )


def test_link_checker_reports_broken_links(fixture_book, tmp_path):
    site = tmp_path / "html"
    shutil.copytree(fixture_book, site)
    assert internal_links.check_site(site) == []
    page = site / "intro.html"
    page.write_text(
        page.read_text().replace(
            "</body>",
            '<a href="nowhere.html">x</a><a href="widgets_demo.html#no-such-id">y</a>'
            '<img src="_images/missing.png"></body>',
        )
    )
    problems = internal_links.check_site(site)
    assert len(problems) == 3, problems
    assert any("nowhere.html: no such file" in p for p in problems)
    assert any("no id 'no-such-id' in widgets_demo.html" in p for p in problems)
    assert any("_images/missing.png: no such file" in p for p in problems)


# ---------------------------------------------------------- kernel-free explorers


def _static_explorer_page(tmp_path, html):
    page = tmp_path / "explorer.html"
    page.write_text(f"<!doctype html><html><body><h1>explorer</h1>{html}</body></html>")
    return tmp_path


@pytest.fixture(scope="module")
def static_explorer_html():
    import matplotlib

    matplotlib.use("Agg")
    import optlib as ol
    from optlib.widgets import Explorer

    explorer = Explorer(
        ol.problems.ravine(),
        {"Momentum": lambda lr, momentum: ol.Momentum(lr, momentum)},
        {"lr": (0.05, 0.4, 0.01, 0.1), "momentum": (0.0, 0.9, 0.1, 0.5)},
        steps=30,
    )
    return explorer.static_html(n=(3, 2), dpi=30)


def test_static_explorer_sliders_change_the_frame(browser, tmp_path, static_explorer_html):
    with bl.serve(_static_explorer_page(tmp_path, static_explorer_html)) as base:
        report = check(browser, base, "explorer.html", bl.Expect(static_explorers=1))
    assert not report.problems, str(report)
    assert report.notes["static_explorers"] == 1


@pytest.mark.parametrize("breakage", ["no script", "frozen frames", "missing"])
def test_broken_static_explorer_is_reported(browser, tmp_path, static_explorer_html, breakage):
    html = static_explorer_html
    if breakage == "no script":
        html = re.sub(r"<script>.*?</script>", "", html, flags=re.S)
    elif breakage == "frozen frames":  # every frame the same picture
        frames = re.search(r"const frames = \[(.*?)\];", html).group(1).split(",")
        html = html.replace(",".join(frames), ",".join([frames[0]] * len(frames)))
    else:
        html = ""
    with bl.serve(_static_explorer_page(tmp_path, html)) as base:
        report = check(browser, base, "explorer.html", bl.Expect(static_explorers=1))
    assert any("explorer" in problem for problem in report.problems), str(report)
