"""Every chapter notebook has the chapter shape of CONTRIBUTING.md and is wired into the book.

nbval (run separately, see the Makefile) checks that the stored outputs are
reproduced; these checks are about structure and can run without a kernel.
"""

import json
import re
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

# The level-2 headings of every chapter, in this order; EXPERIMENTS stands for
# "## Experiment 1: <title>", "## Experiment 2: <title>", ... (at least one).
BEFORE_EXPERIMENTS = ["The lecture's claim", "The rule"]
AFTER_EXPERIMENTS = [
    "Explore",
    "How torch, Keras and optax differ",
    "Exercises",
    "Takeaways",
    "References",
]
EXPERIMENT = re.compile(r"Experiment (\d+): \S.*")
FENCE = re.compile(r"^(`{3,}|:{3,})")


def load(path):
    return json.loads(path.read_text())


def headings(nb):
    """(level, text) of every markdown heading, in order; fenced blocks are skipped
    (a `#` line in a code fence or inside an exercise is not a heading of the page)."""
    found = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        fence = None
        for line in "".join(cell["source"]).splitlines():
            stripped = line.strip()
            match = FENCE.match(stripped)
            if match and fence is None:
                fence = match.group(1)
            elif (
                fence and len(stripped) >= len(fence) and stripped == fence[0] * len(stripped)
            ):  # closes the open fence
                fence = None
            elif fence is None and (heading := re.match(r"(#{1,6}) +(.*?)\s*#*\s*$", line)):
                found.append((len(heading.group(1)), heading.group(2)))
    return found


def shape_problems(nb):
    """What keeps a chapter from the one chapter shape (an empty list if nothing)."""
    problems = []
    found = headings(nb)
    titles = [text for level, text in found if level == 1]
    if len(titles) != 1 or not found or found[0][0] != 1:
        problems.append(f"exactly one level-1 title, first of all headings; found {titles}")
    markdown = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    if not re.search(r"^\(ch-[\w-]+\)=\s*\n#\s", markdown, re.M):
        problems.append("a (ch-name)= label line directly before the title")
    level2 = [text for level, text in found if level == 2]
    experiments = [text for text in level2 if EXPERIMENT.fullmatch(text)]
    numbers = [int(EXPERIMENT.fullmatch(text).group(1)) for text in experiments]
    if not experiments:
        problems.append("at least one '## Experiment 1: <title>'")
    elif numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"experiments numbered 1, 2, 3, ... in order; found {numbers}")
    expected = BEFORE_EXPERIMENTS + experiments + AFTER_EXPERIMENTS
    if level2 != expected:
        problems.append(
            "level-2 headings differ from the chapter shape:\n  found    "
            f"{level2}\n  expected {expected}"
        )
    return problems


def sources(nb, kind):
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == kind]


@pytest.fixture(params=CHAPTERS, ids=[p.stem for p in CHAPTERS])
def chapter(request):
    return request.param, load(request.param)


def test_every_chapter_is_in_the_toc(chapter):
    path, _ = chapter
    toc = (ROOT / "_toc.yml").read_text()
    assert re.search(rf"^\s*- file: notebooks/{path.stem}\s*$", toc, re.M), (
        f"{path.name} is not listed (uncommented) in _toc.yml"
    )


def test_chapter_is_committed_executed(chapter):
    path, nb = chapter
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    unexecuted = [i for i, c in enumerate(code) if c.get("execution_count") is None]
    assert code and not unexecuted, f"code cells {unexecuted} of {path.name} were never run"
    errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"{path.name} was saved with an error output"


def test_chapter_has_the_chapter_shape(chapter):
    path, nb = chapter
    markdown = "\n".join(sources(nb, "markdown"))
    code = "\n".join(sources(nb, "code"))
    assert re.search(r"^\(ch-[\w-]+\)=", markdown, re.M), "a (ch-...)= label"
    assert "{admonition} The lecture says" in markdown, "the lecture's claim"
    assert "ol.show_source(" in code, "the rule beside the optlib source"
    assert "{exercise}" in markdown and "{solution}" in markdown, "exercises with solutions"
    assert ":class: dropdown" in markdown, "solutions in dropdowns"
    assert "{cite" in markdown, "citations"
    assert re.search(r"^#+ .*[Tt]akeaways", markdown, re.M), "a takeaways section"


def test_chapter_has_the_one_shape(chapter):
    path, nb = chapter
    problems = shape_problems(nb)
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def _fixture(level2, title="# Momentum", label="(ch-momentum)="):
    cells = [new_markdown_cell(f"{label}\n{title}\n\nWhat you will learn.")]
    for heading in level2:
        cells.append(new_markdown_cell(f"## {heading}\n\n### A free subsection\n\nText."))
        cells.append(new_code_cell("x = 1"))
    cells.append(
        new_markdown_cell(
            "````{exercise}\n:label: ex\n```python\n# a comment\n```\n## not a heading\n````"
        )
    )
    return json.loads(json.dumps(new_notebook(cells=cells)))


CONFORMING = [
    "The lecture's claim",
    "The rule",
    "Experiment 1: the ravine",
    "Experiment 2: real data",
    "Explore",
    "How torch, Keras and optax differ",
    "Exercises",
    "Takeaways",
    "References",
]


def test_the_shape_check_accepts_a_conforming_chapter():
    assert shape_problems(_fixture(CONFORMING)) == []
    assert headings(_fixture(CONFORMING))[:3] == [
        (1, "Momentum"),
        (2, "The lecture's claim"),
        (3, "A free subsection"),
    ]


@pytest.mark.parametrize(
    "level2,title,label",
    [
        ([h for h in CONFORMING if h != "The lecture's claim"], "# Momentum", "(ch-momentum)="),
        (CONFORMING[:2] + ["Experiment 2: real data"] + CONFORMING[4:], "# Momentum", "(ch-m)="),
        (CONFORMING[:2] + CONFORMING[4:], "# Momentum", "(ch-m)="),
        ([h if h != "Explore" else "Try it yourself" for h in CONFORMING], "# Momentum", "(ch-m)="),
        (
            CONFORMING[:4] + ["How torch, Keras and optax differ", "Explore"] + CONFORMING[6:],
            "# Momentum",
            "(ch-m)=",
        ),
        (CONFORMING + ["Appendix"], "# Momentum", "(ch-m)="),
        (CONFORMING, "## Momentum", "(ch-m)="),
        (CONFORMING, "# Momentum", ""),
    ],
    ids=[
        "no-claim",
        "experiments-start-at-2",
        "no-experiment",
        "renamed-explore",
        "swapped",
        "extra-section",
        "no-title",
        "no-label",
    ],
)
def test_the_shape_check_rejects_a_deviation(level2, title, label):
    assert shape_problems(_fixture(level2, title, label))


def test_notebooks_call_optlib_and_never_retype_an_optimizer(chapter):
    path, nb = chapter
    code = "\n".join(sources(nb, "code"))
    assert "import optlib" in code
    assert not re.search(r"def update\(self", code), f"{path.name} re-implements an optimizer"


def test_explorer_cells_are_tagged_for_nbval(chapter):
    path, nb = chapter
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if cell["cell_type"] == "code" and re.search(r"(?<!plt)\.show(_static)?\(", src):
            assert "nbval-ignore-output" in cell["metadata"].get("tags", []), (
                f"{path.name}: widget cell without the nbval-ignore-output tag:\n{src}"
            )


def test_chapter_has_a_live_and_a_kernel_free_explorer(chapter):
    path, nb = chapter
    code = "\n".join(sources(nb, "code"))
    assert ".show()" in code, f"{path.name} has no live explorer"
    assert ".show_static(" in code, f"{path.name} has no kernel-free explorer"
