"""book/claims.md is exactly what scripts/make_ledger.py makes from the chapters' outputs."""

import copy
import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("make_ledger", ROOT / "scripts" / "make_ledger.py")
ledger = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ledger)


def test_ledger_page_is_up_to_date():
    expected = ledger.render(ledger.collect())
    assert ledger.LEDGER.read_text(encoding="utf-8") == expected, (
        "book/claims.md is out of date: run python scripts/make_ledger.py"
    )


def test_every_link_has_its_target_and_the_page_is_in_the_toc():
    page = ledger.LEDGER.read_text(encoding="utf-8")
    links = re.findall(r"<(claim-L\d{3}[a-z]?)>`", page)
    labels = set()
    for path in ledger.chapters():
        nb = json.loads(path.read_text(encoding="utf-8"))
        labels |= {f"claim-L{n:03d}{s}" for n, s in ledger.targets(nb)}
    assert links, "the ledger lists no claim"
    assert not set(links) - labels, f"links without a (claim-…)= target: {set(links) - labels}"
    assert "book/claims" in (ROOT / "_toc.yml").read_text()


def test_every_glued_statistic_is_on_the_page():
    page = ledger.LEDGER.read_text(encoding="utf-8")
    for claim in ledger.collect():
        assert ledger._cell(claim.stat) in page
        assert f"**{claim.verdict}**" in page


# --- the checks can fail -------------------------------------------------------------


def _glue(name, value):
    return {
        "output_type": "display_data",
        "data": {"application/papermill.record/text/plain": repr(value)},
        "metadata": {"scrapbook": {"name": name, "mime_prefix": "application/papermill.record/"}},
    }


def _chapter(
    tmp_path,
    target="(claim-L044)=\n## Experiment 1: x",
    verdict="holds",
    stat="0.25 ± 0.01 (5 seeds)",
):
    nb = {
        "metadata": {},
        "cells": [
            {"cell_type": "markdown", "source": "# A chapter\n"},
            {"cell_type": "markdown", "source": target},
            {
                "cell_type": "code",
                "source": "",
                "outputs": [
                    _glue("claim-L044-text", "SGD suits online learning"),
                    _glue("claim-L044-verdict", verdict),
                    _glue("claim-L044-stat", stat),
                ],
            },
        ],
    }
    path = tmp_path / "01_x.ipynb"
    path.write_text(json.dumps(nb))
    return path


def test_collect_reads_a_claim(tmp_path):
    (claim,) = ledger.collect([_chapter(tmp_path)])
    assert (claim.label, claim.verdict, claim.stat, claim.chapter) == (
        "claim-L044",
        "holds",
        "0.25 ± 0.01 (5 seeds)",
        "A chapter",
    )
    page = ledger.render([claim])
    assert "{ref}`A chapter <claim-L044>`" in page and "**1** holds" in page


def test_a_missing_target_fails(tmp_path):
    with pytest.raises(ValueError, match="target .* is missing"):
        ledger.collect([_chapter(tmp_path, target="## Experiment 1: x")])


def test_an_unknown_verdict_fails(tmp_path):
    with pytest.raises(ValueError, match="is not one of"):
        ledger.collect([_chapter(tmp_path, verdict="mostly")])


def test_a_changed_number_makes_the_page_stale(tmp_path):
    """Change one glued statistic in a copy of a real chapter: the page no longer matches."""
    for path in ledger.chapters():
        nb = json.loads(path.read_text(encoding="utf-8"))
        names = [n for n in ledger.glued(nb) if n.endswith("-stat") and n.startswith("claim-L")]
        if not names:
            continue
        planted = copy.deepcopy(nb)
        for cell in planted["cells"]:
            for output in cell.get("outputs", []):
                if output.get("metadata", {}).get("scrapbook", {}).get("name") == names[0]:
                    key = next(k for k in output["data"] if k.endswith("text/plain"))
                    output["data"][key] = repr("98.7654 ± 0.0001 (5 seeds)")
        copy_path = tmp_path / path.name
        copy_path.write_text(json.dumps(planted))
        paths = [copy_path if p == path else p for p in ledger.chapters()]
        assert ledger.render(ledger.collect(paths)) != ledger.LEDGER.read_text(encoding="utf-8")
        return
    pytest.fail("no chapter glues a claim yet")
