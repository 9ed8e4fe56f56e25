"""Every chapter notebook has the chapter shape of CONTRIBUTING.md and is wired into the book.

nbval (run separately, see the Makefile) checks that the stored outputs are
reproduced; these checks are about structure and can run without a kernel.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def load(path):
    return json.loads(path.read_text())


def sources(nb, kind):
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == kind]


@pytest.fixture(params=CHAPTERS, ids=[p.stem for p in CHAPTERS])
def chapter(request):
    return request.param, load(request.param)


def test_every_chapter_is_in_the_toc(chapter):
    path, _ = chapter
    toc = (ROOT / "_toc.yml").read_text()
    assert re.search(rf"^\s*- file: notebooks/{path.stem}\s*$", toc, re.M), \
        f"{path.name} is not listed (uncommented) in _toc.yml"


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
            assert "nbval-ignore-output" in cell["metadata"].get("tags", []), \
                f"{path.name}: widget cell without the nbval-ignore-output tag:\n{src}"


def test_chapter_has_a_live_and_a_kernel_free_explorer(chapter):
    path, nb = chapter
    code = "\n".join(sources(nb, "code"))
    assert ".show()" in code, f"{path.name} has no live explorer"
    assert ".show_static(" in code, f"{path.name} has no kernel-free explorer"
