"""Write book/claims.md, the ledger of the lecture's claims, from the chapters' outputs.

    python scripts/make_ledger.py            # rewrite book/claims.md
    python scripts/make_ledger.py --check    # exit 1 if book/claims.md is out of date

Each chapter that tests a slide claim marks it twice:

- a MyST target ``(claim-L044)=`` (slide line, three digits, optionally a letter
  for a second claim on the same line) in a markdown cell, above the experiment;
- three strings glued in the code cell that computes the verdict,
  ``claim-L044-text``, ``claim-L044-verdict`` and ``claim-L044-stat``
  (``myst_nb.glue(..., display=False)``).

This script reads the glued strings from the committed outputs of every
notebooks/NN_*.ipynb (nothing is re-executed), checks that each has its target,
and writes the page in slide order. Run it after re-executing a chapter;
tests/test_claims_ledger.py fails when the page is out of date.
"""

import ast
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEDGER = ROOT / "book" / "claims.md"
VERDICTS = ("holds", "holds partly", "does not hold", "not testable")
FIELDS = ("text", "verdict", "stat")
GLUE = re.compile(r"^claim-L(\d{3})([a-z]?)-(text|verdict|stat)$")
TARGET = re.compile(r"^\(claim-L(\d{3})([a-z]?)\)=\s*$", re.M)


@dataclass(frozen=True)
class Claim:
    line: int
    suffix: str
    text: str
    verdict: str
    stat: str
    notebook: str  # e.g. "11_adam"
    chapter: str  # the notebook's title

    @property
    def label(self):
        return f"claim-L{self.line:03d}{self.suffix}"


def chapters():
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _text(value):
    return "".join(value) if isinstance(value, list) else str(value)


def glued(nb):
    """name -> string for every string glued in the notebook's outputs."""
    values = {}
    for cell in nb["cells"]:
        for output in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if not name:
                continue
            for mime, value in output.get("data", {}).items():
                if mime.endswith("text/plain"):
                    values[name] = ast.literal_eval(_text(value))
    return values


def targets(nb):
    """The claim targets '(claim-LNNN)=' in the notebook's markdown, as (line, suffix)."""
    found = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            found += [(int(n), s) for n, s in TARGET.findall(_text(cell["source"]))]
    return found


def title(nb):
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            match = re.search(r"^# (.+)$", _text(cell["source"]), re.M)
            if match:
                return match.group(1).strip()
    return ""


def collect(paths=None):
    """Every claim of the chapters, in slide order; ValueError on an inconsistent chapter."""
    claims, problems, seen = [], [], {}
    for path in paths or chapters():
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        values, marks = glued(nb), targets(nb)
        keys = {}
        for name, value in values.items():
            match = GLUE.match(name)
            if match:
                keys.setdefault((int(match.group(1)), match.group(2)), {})[match.group(3)] = value
        for key in marks:
            if key not in keys:
                problems.append(
                    f"{path.name}: target claim-L{key[0]:03d}{key[1]} has no glued claim"
                )
        for (line, suffix), fields in sorted(keys.items()):
            label = f"claim-L{line:03d}{suffix}"
            missing = [f for f in FIELDS if not str(fields.get(f, "")).strip()]
            if missing:
                problems.append(f"{path.name}: {label} lacks glued {', '.join(missing)}")
                continue
            if fields["verdict"] not in VERDICTS:
                problems.append(
                    f"{path.name}: {label} verdict {fields['verdict']!r} is not one of {VERDICTS}"
                )
            if (line, suffix) not in marks:
                problems.append(
                    f"{path.name}: {label} is glued but its target ({label})= "
                    "is missing from the markdown"
                )
            if label in seen:
                problems.append(f"{path.name}: {label} is also claimed by {seen[label]}")
            seen[label] = path.name
            claims.append(
                Claim(
                    line,
                    suffix,
                    fields["text"],
                    fields["verdict"],
                    fields["stat"],
                    path.stem,
                    title(nb),
                )
            )
    if problems:
        raise ValueError("\n".join(problems))
    return sorted(claims, key=lambda c: (c.line, c.suffix))


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(claims):
    counts = Counter(c.verdict for c in claims)
    tally = ", ".join(f"**{counts[v]}** {v}" for v in VERDICTS if counts[v])
    lines = [
        "<!-- Generated by scripts/make_ledger.py from the chapters' outputs; do not edit. -->",
        "(claims-ledger)=",
        "# The lecture's claims, tested",
        "",
        "Every chapter of this book turns the lecture's statements into experiments.",
        "This page collects the verdicts in the order of the slides, so that you can see at a "
        "glance what the lecture got right, what holds only in part and what does not hold.",
        "",
        "How a verdict is reached:",
        "",
        "- Each chapter states the claim in testable form, runs the experiment and computes the "
        "verdict **in code** from its numbers: *holds*, *holds partly*, *does not hold*, or "
        "*not testable* with the book's means.",
        "- Where randomness is involved (initial weights, mini-batch order), the statistic is a "
        "mean over several seeds with its spread, and a difference smaller than its noise never "
        "decides a verdict. Learning rates are tuned on seeds that are not used for the "
        "evaluation.",
        "- The strings below are read from the chapters' executed outputs by "
        "`scripts/make_ledger.py`; none is typed here. A test fails when this page and the "
        "chapters disagree.",
        "",
        f"So far {len(claims)} claims are tested: {tally}.",
        "A verdict is about the problems and budgets of the chapter that tests it; follow the link "
        "for the experiment, its caveats and the code.",
        "",
        "| Slide line | The claim | Verdict | Key statistic | Tested in |",
        "|---|---|---|---|---|",
    ]
    for c in claims:
        link = f"{{ref}}`{_cell(c.chapter)} <{c.label}>`"
        lines.append(
            f"| {c.line}{c.suffix} | {_cell(c.text)} | **{c.verdict}** | {_cell(c.stat)} | {link} |"
        )
    lines += ["", "Slide line N is line N of the lecture's slide text.", ""]
    return "\n".join(lines)


def main(argv):
    text = render(collect())
    if "--check" in argv:
        current = LEDGER.read_text(encoding="utf-8") if LEDGER.exists() else ""
        if current != text:
            print(f"{LEDGER.relative_to(ROOT)} is out of date: run python scripts/make_ledger.py")
            return 1
        print(f"{LEDGER.relative_to(ROOT)} is up to date")
        return 0
    LEDGER.write_text(text, encoding="utf-8")
    print(f"wrote {LEDGER.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
