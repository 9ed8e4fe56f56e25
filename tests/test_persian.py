"""The Persian edition stays in step with the English one (tests/persian_checks.py).

Catalog checks run on locales/fa as committed. Checks of the built sites need `make book`
and `make book-fa` (they skip without them; PERSIAN_REQUIRED=1 turns the skip into a
failure, for CI). PERSIAN_BUILD=1 also runs the Persian build with -W here.
Each check is shown to fail on a planted mistake (the *_catches_* tests).
"""

import os
import subprocess
import sys
import textwrap

import persian_checks as pc
import pytest
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document
from sphinx.util.nodes import is_translatable

sys.path.insert(0, str(pc.ROOT / "book" / "_ext"))
import bilingual  # noqa: E402


def needs_build(path):
    if not (path / "book" / "intro.html").exists():
        reason = f"no built site at {path}: run `make book` and `make book-fa`"
        if os.environ.get("PERSIAN_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


def write_po(folder, name, entries):
    """entries: (msgid, msgstr, fuzzy) -> folder/name.po"""
    lines = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=utf-8\\n"', ""]
    for msgid, msgstr, fuzzy in entries:
        if fuzzy:
            lines.append("#, fuzzy")
        lines += [f'msgid "{msgid}"', f'msgstr "{msgstr}"', ""]
    path = folder / f"{name}.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return folder


# ---------------------------------------------------------------- formulas are no messages


def test_display_math_is_never_a_message():
    doc = new_document("x", get_default_settings(Parser))
    block = nodes.math_block("x^2", "x^2")
    block.source = "a_page"
    doc += block
    assert is_translatable(block)  # what Sphinx does by itself
    bilingual.MathIsNotAMessage(doc).apply()
    assert not is_translatable(block)


def test_no_catalog_holds_a_display_formula():
    for page in pc.pages():
        for m in page.messages:
            assert "$$" not in m.id and "\\begin{" not in m.id, (page.name, m.id[:80])


def test_has_prose():
    assert bilingual.has_prose("the Keras `SGD` slide")
    for no_prose in [
        "$V_t$",
        "`exp_avg`",
        '<span dir="rtl" lang="fa">گرادیان</span>',
        "{cite}`kingma2014`",
    ]:
        assert not bilingual.has_prose(no_prose)


# ---------------------------------------------------------------- completeness


def test_completeness():
    """Fails below pc.REQUIRED_PERCENT (100) of the prose messages translated, not fuzzy."""
    assert pc.print_progress(), (
        f"the Persian translation is below {pc.required_percent():g} % "
        "(table above; fuzzy entries count as missing)"
    )


def test_completeness_catches_fuzzy_and_empty(tmp_path):
    write_po(
        tmp_path,
        "p",
        [
            ("One sentence.", "یک جمله.", False),
            ("A changed sentence.", "جمله‌ای کهنه.", True),
            ("A new sentence.", "", False),
            ("$x$", "", False),
        ],
    )  # no prose: not counted
    rows, percent = pc.progress(tmp_path)
    assert rows == [("p", 1, 1, 3, 8)]
    assert percent == pytest.approx(100 / 3)


def test_catalogs_are_current_with_the_english_source():
    """After `make po` every message of _build/gettext/*.pot is in the page's .po
    (a .po that misses one would let the completeness check pass on a stale catalog)."""
    pots = sorted(pc.POT_DIR.rglob("*.pot")) if pc.POT_DIR.exists() else []
    if not pots:
        pytest.skip("no _build/gettext: run `make po` first")
    from babel.messages.pofile import read_po

    missing = []
    for pot in pots:
        name = pot.relative_to(pc.POT_DIR).with_suffix("")
        po = pc.CATALOGS / f"{name}.po"
        with open(pot, "rb") as f:
            want = {m.id for m in read_po(f) if m.id}
        have = set()
        if po.exists():
            with open(po, "rb") as f:
                have = {m.id for m in read_po(f) if m.id}
        missing += [f"{name}: {m[:60]}" for m in sorted(want - have)]
    assert not missing, "run `make po`:\n" + "\n".join(missing[:20])


# ---------------------------------------------------------------- terms, markup, digits


def test_glossary_term_base():
    terms = pc.glossary_terms()
    assert pc.normalize_fa("نرخ آموزش") in {pc.normalize_fa(t) for t in terms["learning rate"]}
    assert terms["saddle points"] == {"نقاط زینی"}
    assert "step" not in terms  # an exception (everyday word)
    assert len(terms) >= 40


def test_terms_follow_the_glossary():
    assert not pc.check_terms(), "\n".join(pc.check_terms())


def test_term_check_catches_another_word(tmp_path):
    write_po(
        tmp_path,
        "p",
        [
            ("Tune the learning rate.", "نرخ آموزش را تنظیم کنید.", False),
            ("Adaptive learning rates", "نرخ‌های آموزش وفقی", False),
            ("Lower the learning rate.", "گام را کوچک کنید.", False),
        ],
    )
    problems = pc.check_terms(tmp_path)
    assert len(problems) == 1 and "learning rate" in problems[0]


def test_translations_keep_formulas_code_roles_and_links():
    assert not pc.check_markup(), "\n".join(pc.check_markup())


def test_markup_check_catches_a_changed_formula_and_a_dropped_cite(tmp_path):
    write_po(
        tmp_path,
        "p",
        [
            (
                "Step $w_t$ by `optlib` {cite}`ruder2016`.",
                "گام $w_{t}$ با `optlib` {cite}`ruder2016`.",
                False,
            ),
            (
                "See {cite}`kingma2014` and [notation](notation.md).",
                "ببینید [نمادها](notation.md).",
                False,
            ),
        ],
    )
    problems = pc.check_markup(tmp_path)
    assert any("formula" in p for p in problems) and any("role" in p for p in problems)


def test_digits_and_latin_names():
    assert not pc.check_digits_and_names(), "\n".join(pc.check_digits_and_names())


def test_digit_check_catches_latin_digits_and_transliterated_names(tmp_path):
    write_po(
        tmp_path,
        "p",
        [
            ("After 12 steps Adam stops.", "پس از 12 گام آدام می‌ایستد.", False),
            ("With $\\beta = 0.9$ in Keras 3.", "با $\\beta = ۰٫۹$ در Keras 3.", False),
            ("After 12 steps Adam stops at $t=12$.", "پس از ۱۲ گام Adam در $t=12$ می‌ایستد.", False),
        ],
    )
    problems = pc.check_digits_and_names(tmp_path)
    assert sum("Latin digits" in p for p in problems) == 1  # "12" in prose, not "Keras 3"
    assert sum("Adam is missing" in p for p in problems) == 1
    assert sum("Persian digit inside formula" in p for p in problems) == 1
    assert len(problems) == 3


# ---------------------------------------------------------------- the built sites


def test_persian_formulas_equal_the_english_ones():
    needs_build(pc.FA_HTML)
    needs_build(pc.EN_HTML)
    assert not pc.check_formulas(), "\n".join(pc.check_formulas())


def test_formula_check_catches_a_broken_formula(tmp_path):
    page = textwrap.dedent("""\
        <p>x <span class="math notranslate nohighlight">\\(a_t\\)</span></p>
        <div class="math notranslate nohighlight">{}</div>""")
    (tmp_path / "en" / "fa").mkdir(parents=True)
    (tmp_path / "en" / "p.html").write_text(page.format(r"\[V_t = \beta V_{t-1}\]"))
    (tmp_path / "en" / "fa" / "p.html").write_text(page.format(r"\[::\]"))
    problems = pc.check_formulas(tmp_path / "en", tmp_path / "en" / "fa")
    assert any("empty formula" in p for p in problems)
    assert any("display math differs" in p for p in problems)


def test_persian_pages_are_right_to_left_and_link_to_english():
    needs_build(pc.FA_HTML)
    assert not pc.check_rtl_pages(), "\n".join(pc.check_rtl_pages())


@pytest.mark.skipif(
    os.environ.get("PERSIAN_BUILD") != "1",
    reason="set PERSIAN_BUILD=1 to run the Persian build (-W) here",
)
def test_persian_build_is_clean_with_W():
    result = subprocess.run(
        [sys.executable, "scripts/persian_edition.py", "build"],
        cwd=pc.ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
