"""Every result number quoted in a chapter's prose must come from that chapter's computation.

For each chapter notebook (notebooks/NN_*.ipynb) the markdown cells are scanned
after removing what is not prose: math ($…$, $$…$$, \\begin…\\end), inline code,
code fences, MyST role arguments ({cite}`…`, {ref}`…`), directive lines and
option lines (:label: …), (label)= targets, URLs, link targets, HTML tags.

Every remaining number with at least two significant digits (1.5, 0.25, 4245,
17 000, 6.6e-7, 29×, 3.2 %; not 0.5, 2, 10, 1e-3, 300) must appear as a whole
numeric token in the same notebook's code sources or text outputs (stream,
text/plain, text/markdown, glue, HTML tables), after normalising thousands separators
(space, thin space, comma) and the minus sign. Signs are ignored: prose may say
"a drop of 0.25" where the output prints -0.25.

Not checked: structural references ("slide line 44", "chapter 11",
"Experiment 2", "lines 44 and 54"), numbers glued to letters (float64, β2,
AVX-512, x86-64) and version strings (1.0.4). A notebook may exempt numbers
that are not computed results (years, published figures quoted as such, slide
values) in its metadata, each with a reason:

    "optlib": {"typed_numbers": {"2014": "year of Kingma & Ba"}}
"""

import copy
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

# --- removing what is not prose ------------------------------------------------------

_FENCE = re.compile(
    r"^(?P<fence>`{3,}|:{3,}|~{3,})(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.S | re.M
)
_CODE_DIRECTIVES = {"code", "code-block", "code-cell", "math", "raw", "glue:math"}


def _strip_fence(match):
    info = match.group("info").strip()
    body = match.group("body")
    if info.startswith("{"):  # a MyST directive: keep its body (exercise, solution, note, …)
        name = info[1 : info.find("}")] if "}" in info else ""
        if name in _CODE_DIRECTIVES:
            return "\n"
        return "\n" + strip_non_prose(body) + "\n"
    return "\n"  # a code fence


_SUBS = [
    (re.compile(r"<!--.*?-->", re.S), " "),
    (re.compile(r"\$\$.*?\$\$", re.S), " "),
    (re.compile(r"\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.S), " "),
    (re.compile(r"(?<!\\)\$[^$\n]+?(?<!\\)\$"), " "),
    (re.compile(r"\{[\w:.-]+\}`[^`]*`"), " "),  # {cite}`…`, {ref}`…`, {eq}`…`
    (re.compile(r"``.+?``"), " "),
    (re.compile(r"`[^`\n]*`"), " "),
    (re.compile(r"^\s*\([\w:.-]+\)=\s*$", re.M), " "),  # (label)=
    (re.compile(r"^\s*:[\w-]+:.*$", re.M), " "),  # directive options
    (re.compile(r"\]\([^)]*\)"), "]"),  # link targets
    (re.compile(r"\[\^[^\]]*\]"), " "),  # footnote references
    (re.compile(r"https?://\S+|www\.\S+"), " "),
    (re.compile(r"<[^<>\n]+>"), " "),  # HTML tags
]


def strip_non_prose(text):
    """The markdown source with math, code, MyST syntax, URLs and HTML removed."""
    text = _FENCE.sub(_strip_fence, text)
    for pattern, replacement in _SUBS:
        text = pattern.sub(replacement, text)
    return text


# --- numbers -------------------------------------------------------------------------

_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-"})
_THOUSANDS = re.compile(r"(?<=\d)[ \u2009\u202f\u00a0,](?=\d{3}(?!\d))")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w])")
_REFERENCE = re.compile(
    r"\b(?:slide lines?|lines?|chapters?|Chapters?|Experiments?|experiments?|Exercises?|exercises?|"
    r"Parts?|parts?|Sections?|sections?|Algorithms?|Figures?|figures?|Tables?|cells?|issues?|"
    r"Eqs?\.|equations?|Claims?|claims?|Theorems?|Lemmas?|Corollary|Step|pages?|p\.|pp\.)"
    r"\s+\d+(?:\s*(?:,|–|-|and|or|to|&)\s*\d+)*"
)


def normalise(text):
    """Minus signs become '-', thousands separators go ('17 000' -> '17000')."""
    return _THOUSANDS.sub("", text.translate(_MINUS))


def canonical(token):
    """One spelling per number: no sign, no '+' or leading zeros in the exponent."""
    token = token.lstrip("-+")
    mantissa, _, exponent = token.lower().partition("e")
    if exponent:
        sign = "-" if exponent.startswith("-") else ""
        return f"{mantissa}e{sign}{int(exponent.lstrip('-+'))}"
    return mantissa


def significant_digits(token):
    mantissa = token.lstrip("-+").lower().partition("e")[0]
    if "." in mantissa:
        digits = mantissa.replace(".", "").lstrip("0")
    else:
        digits = mantissa.lstrip("0").rstrip("0")
    return len(digits)


def tokens(text):
    """Every numeric token of a text, canonical, with and without thousands normalisation."""
    raw = text.translate(_MINUS)
    found = set()
    for variant in (raw, normalise(raw)):
        for match in _NUMBER.finditer(variant):
            found.add(canonical(match.group()))
    return found


def prose_numbers(markdown):
    """(number, snippet) for each checked number of a markdown cell."""
    text = normalise(strip_non_prose(markdown))
    text = _REFERENCE.sub(" ", text)
    found = []
    for match in _NUMBER.finditer(text):
        token = match.group()
        end = match.end()
        if text[end : end + 1] == "." and text[end + 1 : end + 2].isdigit():
            continue  # a version string such as 1.0.4
        if (
            match.start() > 0
            and text[match.start() - 1] == "-"
            and match.start() > 1
            and text[match.start() - 2].isalpha()
        ):
            continue  # AVX-512, x86-64
        if significant_digits(token) < 2:
            continue
        start = max(text.rfind("\n", 0, match.start()), match.start() - 70, 0)
        stop = min([i for i in (text.find("\n", end), end + 70) if i >= 0])
        snippet = " ".join(text[start:stop].split())
        found.append((canonical(token), snippet))
    return found


# --- notebooks -----------------------------------------------------------------------


def _text(value):
    return "".join(value) if isinstance(value, list) else str(value)


def computed_text(nb):
    """Code sources and text outputs of a notebook (the numbers it computes or sets)."""
    parts = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        parts.append(_text(cell["source"]))
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                parts.append(_text(output.get("text", "")))
            data = output.get("data", {})
            for mime, value in data.items():  # glue stores text/plain under a record prefix
                if mime.endswith(("text/plain", "text/markdown")):
                    parts.append(_text(value))
            html = _text(data.get("text/html", ""))
            if html and len(html) < 200_000:  # a table, not an embedded animation
                parts.append(re.sub(r"<[^>]*>", " ", html))
    return "\n".join(parts)


def exemptions(nb):
    typed = nb.get("metadata", {}).get("optlib", {}).get("typed_numbers", {})
    bad = [key for key, reason in typed.items() if not str(reason).strip()]
    assert not bad, f"typed_numbers without a reason: {bad}"
    return {canonical(normalise(key)) for key in typed}


def unbacked_numbers(nb):
    """(cell index, number, snippet) of each prose number no code or output computes."""
    known = tokens(computed_text(nb)) | exemptions(nb)
    problems = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        for number, snippet in prose_numbers(_text(cell["source"])):
            if number not in known:
                problems.append((index, number, snippet))
    return problems


def load(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def report(name, problems):
    lines = [f"{name}: {len(problems)} number(s) in prose appear in no code or output"]
    lines += [f'  cell {index}: {number!r} in "…{snippet}…"' for index, number, snippet in problems]
    return "\n".join(lines)


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_prose_numbers_are_computed(path):
    problems = unbacked_numbers(load(path))
    assert not problems, report(path.name, problems)


# --- the check itself can fail -------------------------------------------------------


def test_chapters_found():
    assert len(CHAPTERS) >= 15


def _markdown(*sources):
    return {"cells": [{"cell_type": "markdown", "source": s} for s in sources], "metadata": {}}


def _with_code(nb, source, output=""):
    nb["cells"].append(
        {
            "cell_type": "code",
            "source": source,
            "outputs": [{"output_type": "stream", "name": "stdout", "text": output}],
        }
    )
    return nb


def test_what_is_checked():
    text = (
        "The loss fell to 0.25 after 4 245 steps (12.5× less), 3.2 % of the start, 6.6e-7 at "
        "best; not 0.5, 2, 10, 1e-3 or 300. Slide line 44, chapter 11, Experiment 2 and "
        "lines 44 and 54 are references; float64, AVX-512 and jupyter-book 1.0.4 are names. "
        "$\\eta = 0.0123$ and `lr=0.0456` and {cite}`kingma2014` and "
        "(https://example.org/a/0.789) are not prose.\n(claim-L044)=\n"
    )
    assert [n for n, _ in prose_numbers(text)] == ["0.25", "4245", "12.5", "3.2", "6.6e-7"]


def test_matching_normalises_separators_minus_and_exponent():
    nb = _with_code(
        _markdown("Halves every 17 000 steps, drops by −0.0137, ends at 6.6e-7."),
        "print(x)",
        "17,000 -0.0137 6.6e-07\n",
    )
    assert unbacked_numbers(nb) == []


def test_directive_body_is_checked_but_its_arguments_are_not():
    source = "```{solution} ex-11-1\n:class: dropdown\n\nThe answer is 0.4321.\n```\n"
    problems = unbacked_numbers(_markdown(source))
    assert [(i, n) for i, n, _ in problems] == [(0, "0.4321")]
    code = "```python\nx = 0.9876\n```\n"
    assert unbacked_numbers(_markdown(code)) == []


def test_exemptions_need_a_reason():
    nb = _markdown("Kingma and Ba (2014).")
    assert [n for _, n, _ in unbacked_numbers(nb)] == ["2014"]
    nb["metadata"] = {"optlib": {"typed_numbers": {"2014": "year of Kingma & Ba"}}}
    assert unbacked_numbers(nb) == []
    nb["metadata"]["optlib"]["typed_numbers"]["2014"] = " "
    with pytest.raises(AssertionError, match="without a reason"):
        unbacked_numbers(nb)


def test_a_planted_wrong_number_in_a_chapter_copy_fails(tmp_path):
    """Replace a backed prose number of a real chapter by a wrong one: the check must flag it."""
    for path in CHAPTERS:
        nb = load(path)
        before = unbacked_numbers(nb)
        known = tokens(computed_text(nb))
        for index, cell in enumerate(nb["cells"]):
            if cell["cell_type"] != "markdown":
                continue
            source = _text(cell["source"])
            backed = [n for n, _ in prose_numbers(source) if n in known and "e" not in n]
            plain = [n for n in backed if re.search(rf"(?<![\w.]){re.escape(n)}(?![\w.])", source)]
            if not plain:
                continue
            wrong = "98.7654"
            assert wrong not in known
            planted = copy.deepcopy(nb)
            planted["cells"][index]["source"] = re.sub(
                rf"(?<![\w.]){re.escape(plain[0])}(?![\w.])", wrong, source, count=1
            )
            copy_path = tmp_path / path.name
            copy_path.write_text(json.dumps(planted), encoding="utf-8")
            after = unbacked_numbers(load(copy_path))
            assert (index, wrong) in [(i, n) for i, n, _ in after], report(path.name, after)
            assert len(after) == len(before) + 1
            with pytest.raises(AssertionError, match=r"cell \d+: '98\.7654'"):
                test_prose_numbers_are_computed(copy_path)
            return
    pytest.fail("no chapter has a backed prose number to plant a wrong one in")
