"""Checks that keep the Persian edition in step with the English one (stdlib + babel).

    python scripts/persian_edition.py stat        # per-page progress
    python -m pytest -q tests/test_persian.py     # every check (make check-fa)

The catalogs are locales/fa/LC_MESSAGES/<page>.po (`make po` refreshes them from the
English source; a changed English paragraph becomes a fuzzy entry, a new one an empty one).
Each function returns a list of problems (strings); an empty list is a pass.
"""

import os
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from bilingual import _NOT_PROSE, has_prose  # noqa: E402  (the build's own definition)

CATALOGS = ROOT / "locales" / "fa" / "LC_MESSAGES"
GLOSSARY = ROOT / "book" / "glossary.md"
EN_HTML = ROOT / "_build" / "html"
FA_HTML = EN_HTML / "fa"
POT_DIR = ROOT / "_build" / "gettext"

# The one place that says how complete the translation must be, in percent of the
# messages that hold English prose (fuzzy ones do not count). The lead lowers it only
# while the translation is under way; PERSIAN_MIN_PERCENT overrides it for one run.
REQUIRED_PERCENT = 100.0


def required_percent():
    return float(os.environ.get("PERSIAN_MIN_PERCENT", REQUIRED_PERCENT))


# Names that stay in Latin script in the Persian text (optimizers, libraries).
LATIN_NAMES = [
    "Adam",
    "AdaMax",
    "Nadam",
    "AMSGrad",
    "RMSprop",
    "Adadelta",
    "Adagrad",
    "Rprop",
    "SGD",
    "sign-GD",
    "torch",
    "Keras",
    "optax",
    "numpy",
    "optlib",
]

# Glossary terms the term check leaves out: everyday English words that the chapters also
# use in senses other than the lecture's term (e.g. "step" of a loop, "a need").
TERM_EXCEPTIONS = {
    "method",
    "step",
    "position",
    "need",
    "changes",
    "update",
    "batch",
    "performance",
    "comparison",
    "contents",
    "references",
    "overview",
    "advantages",
    "disadvantages",
    "parameters",
    "weights",
    "minimum",
    "optimum",
    "variance",
    "challenges",
    "adaptive",
    "variable",
    "varying",
    "carrying out",
}
# Glossary sections that are not a term base (misspellings on the slides, their fixes).
GLOSSARY_SKIP_SECTIONS = {"Corrections to the slide text"}

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩"


# ---------------------------------------------------------------- catalogs


@dataclass
class Page:
    name: str  # e.g. notebooks/11_adam
    path: Path
    messages: list = field(default_factory=list)  # babel Message objects with prose

    @property
    def done(self):
        return [m for m in self.messages if is_translated(m)]

    @property
    def fuzzy(self):
        return [m for m in self.messages if m.fuzzy]

    @property
    def words(self):
        return sum(len(m.id.split()) for m in self.messages)


def is_translated(message):
    """A translation counts only if it is there and not fuzzy (`sphinx-intl stat` also
    counts fuzzy ones, which the build does not use: the page would show English)."""
    return bool(message.string) and not message.fuzzy


def pages(catalogs=CATALOGS):
    found = []
    for po in sorted(Path(catalogs).rglob("*.po")):
        with open(po, "rb") as f:
            catalog = read_po(f)
        page = Page(po.relative_to(catalogs).with_suffix("").as_posix(), po)
        page.messages = [m for m in catalog if m.id and has_prose(m.id)]
        found.append(page)
    return found


def progress(catalogs=CATALOGS):
    """(rows, total percent): one row per page, (name, done, fuzzy, messages, words)."""
    rows = [(p.name, len(p.done), len(p.fuzzy), len(p.messages), p.words) for p in pages(catalogs)]
    total = sum(r[3] for r in rows)
    done = sum(r[1] for r in rows)
    return rows, (100.0 * done / total if total else 100.0)


def print_progress(catalogs=CATALOGS):
    rows, percent = progress(catalogs)
    print(f"{'page':32} {'done':>5} {'fuzzy':>5} {'msgs':>5} {'words':>6}   %")
    for name, done, fuzzy, total, words in rows:
        share = 100.0 * done / total if total else 100.0
        print(f"{name:32} {done:5} {fuzzy:5} {total:5} {words:6} {share:5.1f}")
    print(
        f"{'total':32} {sum(r[1] for r in rows):5} {sum(r[2] for r in rows):5} "
        f"{sum(r[3] for r in rows):5} {sum(r[4] for r in rows):6} {percent:5.1f}"
        f"   (required: {required_percent():g} %)"
    )
    return percent >= required_percent()


def translated_messages(catalogs=CATALOGS):
    for page in pages(catalogs):
        for m in page.done:
            yield page.name, m


# ---------------------------------------------------------------- message checks


def prose(text):
    return _NOT_PROSE.sub(" ", text)


def normalize_fa(text):
    """Compare Persian without the spelling freedoms: ZWNJ vs space, Arabic ي/ك."""
    text = unicodedata.normalize("NFC", text).replace("ي", "ی").replace("ك", "ک")
    return re.sub(r"[\s\u200c]+", "", text)


def rendering_pattern(rendering):
    """A glossary rendering as a pattern over normalize_fa text that lets each word take a
    plural or ezafe ending: نرخ آموزش also matches نرخ‌های آموزش and نرخ‌ آموزشی."""
    words = [normalize_fa(w) for w in rendering.split()]
    return re.compile("(?:هایی|های|ها|ی)?".join(map(re.escape, words)))


def glossary_terms(path=GLOSSARY):
    """English term -> set of Persian renderings, from the glossary's tables
    (| <span ...>Persian, alternative</span> | English, alternative (note); more | where |)."""
    terms = {}
    section = None
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        if section in GLOSSARY_SKIP_SECTIONS or not line.startswith("| <span"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        persian = re.sub(r"<[^>]+>", "", cells[0])
        renderings = {p.strip() for p in persian.split("،") if p.strip()}
        english = re.sub(r"\([^)]*\)|\$[^$]*\$", "", cells[1]).split(";")[0]
        for term in english.split(","):
            term = re.sub(r"\s+", " ", term.strip().lower())
            term = re.sub(r"^(the|a|an) ", "", term).strip()
            if term and term not in TERM_EXCEPTIONS:
                terms.setdefault(term, set()).update(renderings)
    return terms


def check_terms(catalogs=CATALOGS, glossary=GLOSSARY):
    """A translated message whose English holds a glossary term uses one of the
    glossary's Persian renderings of it. Not checked: the glossary page itself, and
    messages kept in English on purpose (msgstr == msgid)."""
    terms = glossary_terms(glossary)
    problems = []
    for page, m in translated_messages(catalogs):
        if page == "book/glossary" or m.string == m.id:
            continue
        english = prose(m.id).lower().replace("-", " ")  # bias-correction = bias correction
        target = normalize_fa(m.string)
        for term, renderings in terms.items():
            # the longer term wins: "correction" inside "bias correction" is that term's
            longer = [t for t in terms if t != term and re.search(rf"\b{re.escape(term)}\b", t)]
            text = english
            for t in longer:
                text = re.sub(rf"\b{re.escape(t.replace('-', ' '))}s?\b", " ", text)
            if re.search(rf"\b{re.escape(term)}s?\b", text) and not any(
                rendering_pattern(r).search(target) for r in renderings
            ):
                problems.append(
                    f"{page}: '{term}' should be "
                    f"{' or '.join(sorted(renderings))}: {m.string[:80]}…"
                )
    return problems


_INLINE_MATH = re.compile(r"\$\$.*?\$\$|\$[^$]+\$", re.S)
_CODE = re.compile(r"``.*?``|`[^`]*`", re.S)
_ROLE = re.compile(r"\{[\w:-]+\}`[^`]*`")
_LINK_TARGET = re.compile(r"\]\(([^)]*)\)")


def _role_target(role):
    """A cross-reference keeps its target; its visible text (`{ref}`Chapter 4 <ch-x>``) may be
    translated."""
    explicit = re.fullmatch(r"(\{[\w:-]+\}`)[^`<]*<([^`>]+)>`", role)
    return f"{explicit.group(1)}<{explicit.group(2)}>`" if explicit else role


def check_markup(catalogs=CATALOGS):
    """A translation keeps the message's formulas, code, roles ({cite}, {ref}, ...) and link
    targets exactly: they are not to be translated, and the build would not notice a
    changed formula."""
    problems = []
    for page, m in translated_messages(catalogs):
        for what, pattern in (
            ("formula", _INLINE_MATH),
            ("role", _ROLE),
            ("code", _CODE),
            ("link target", _LINK_TARGET),
        ):
            key = _role_target if pattern is _ROLE else (lambda x: x)
            # code spans and formulas are looked for outside roles (a role's `...` is not code)
            outside = (lambda x: x) if pattern is _ROLE else (lambda x: _ROLE.sub(" ", x))
            want = Counter(map(key, pattern.findall(outside(m.id))))
            got = Counter(map(key, pattern.findall(outside(m.string))))
            if want != got:
                missing = list((want - got).elements())
                extra = list((got - want).elements())
                problems.append(
                    f"{page}: {what} changed (missing {missing}, extra {extra}) in: {m.id[:60]}…"
                )
    return problems


def check_digits_and_names(catalogs=CATALOGS):
    """Persian digits in prose, Latin digits in formulas and code; names in Latin script."""
    problems = []
    for page, m in translated_messages(catalogs):
        if m.string == m.id:
            continue
        for part in _INLINE_MATH.findall(m.string) + _CODE.findall(m.string):
            if any(d in PERSIAN_DIGITS for d in part):
                problems.append(f"{page}: Persian digit inside formula or code {part!r}")
        tokens = prose(m.string).split()
        for i, token in enumerate(tokens):
            # a Latin number is fine right after a Latin name ("Keras 3") or inside one ("L2")
            after_latin = i > 0 and re.search(r"[A-Za-z]", tokens[i - 1])
            if re.search(r"[0-9]", token) and not re.search(r"[A-Za-z]", token) and not after_latin:
                problems.append(
                    f"{page}: Latin digits in Persian prose {token!r} "
                    f"(write Persian digits): {m.string[:60]}…"
                )
        for name in LATIN_NAMES:
            if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", m.id) and name not in m.string:
                problems.append(
                    f"{page}: {name} is missing (names stay in Latin script): {m.string[:60]}…"
                )
    return problems


# ---------------------------------------------------------------- the built HTML

_HTML_MATH = re.compile(r'<(div|span) class="math notranslate nohighlight"[^>]*>(.*?)</\1>', re.S)


def math_of(html):
    """(display, inline) TeX of a built page, in document order."""
    display, inline = [], []
    for tag, tex in _HTML_MATH.findall(html):
        (display if tag == "div" else inline).append(tex.strip())
    return display, inline


def check_formulas(en_html=EN_HTML, fa_html=FA_HTML):
    """Every Persian page typesets exactly the English page's formulas: the display ones
    in the same order, the inline ones as the same collection; none is empty (a translated
    display formula used to come out as \\[::\\])."""
    problems = []
    fa_pages = sorted(
        p
        for p in Path(fa_html).rglob("*.html")
        if not {"_static", "_sources", "_images"} & set(p.parts)
    )
    if not fa_pages:
        return [f"no Persian pages under {fa_html}: run `make book-fa`"]
    for fa in fa_pages:
        rel = fa.relative_to(fa_html)
        en = Path(en_html) / rel
        if not en.exists():
            continue
        fa_display, fa_inline = math_of(fa.read_text(encoding="utf-8"))
        en_display, en_inline = math_of(en.read_text(encoding="utf-8"))
        for tex in fa_display + fa_inline:
            if not re.sub(r"\\[\[\]()]|[\s:]", "", tex):
                problems.append(f"{rel}: empty formula {tex!r}")
        if fa_display != en_display:
            problems.append(
                f"{rel}: display math differs from the English page "
                f"({len(fa_display)} vs {len(en_display)} formulas)"
            )
        if Counter(fa_inline) != Counter(en_inline):
            diff = list((Counter(en_inline) - Counter(fa_inline)).elements())[:3]
            problems.append(
                f"{rel}: inline math differs from the English page, e.g. missing {diff}"
            )
    return problems


def check_rtl_pages(fa_html=FA_HTML):
    """Each Persian page declares itself right to left and links back to English."""
    problems = []
    for fa in sorted(Path(fa_html).rglob("*.html")):
        if {"_static", "_sources", "_images"} & set(fa.parts) or fa.name == "index.html":
            continue
        text = fa.read_text(encoding="utf-8")
        if not re.search(r'<html lang="fa" dir="rtl"', text):
            problems.append(f'{fa.relative_to(fa_html)}: no <html lang="fa" dir="rtl">')
        if 'name="bilingual-counterpart"' not in text:
            problems.append(f"{fa.relative_to(fa_html)}: no link to the English page")
    return problems
