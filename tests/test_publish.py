"""Publishing: the GitHub Pages workflow and the one place the repository is named.

The workflow cannot run here; what can be checked is that it is valid YAML, builds with
make targets that exist (the same ones CI runs), uploads the folder the book is built
into, and deploys with GitHub's Pages action. That the built site works under the
sub-path Pages serves it from (/<repository>/) is checked in tests/browser/test_book.py.
"""

import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"


def make_targets():
    return set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), re.M))


def workflow():
    data = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(data, dict) and "jobs" in data, "not a workflow"
    return data


def steps(data):
    return [step for job in data["jobs"].values() for step in job.get("steps", [])]


def test_workflow_is_valid_and_triggered_on_main():
    data = workflow()
    on = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on:` key as True
    assert "main" in on["push"]["branches"]
    assert data["permissions"]["pages"] == "write"
    assert data["permissions"]["id-token"] == "write"


def test_workflow_uses_existing_make_targets_like_ci():
    runs = " ".join(step.get("run", "") for step in steps(workflow()))
    used = re.findall(r"\bmake\s+([\w-]+)", runs)
    assert "book" in used, runs
    missing = [t for t in used if t not in make_targets()]
    assert not missing, f"the workflow runs make targets the Makefile lacks: {missing}"
    ci = (ROOT / ".ci" / "run").read_text() if (ROOT / ".ci" / "run").exists() else ""
    for target in used:
        assert not ci or re.search(rf"\bmake\s+{target}\b", ci), (
            f"make {target} is not what CI runs"
        )


def test_workflow_uploads_the_built_book_and_deploys_it():
    all_steps = steps(workflow())
    uploads = [
        s for s in all_steps if s.get("uses", "").startswith("actions/upload-pages-artifact@")
    ]
    assert uploads and uploads[0]["with"]["path"] == "_build/html"
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in all_steps)


def test_repository_is_named_in_one_place():
    """Only _config.yml names the repository; README tells a course to change it there."""
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    slug = re.sub(r"^https://github\.com/", "", url).rstrip("/")
    in_git = set(
        subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.splitlines()
    )
    tracked = [
        p
        for p in ROOT.rglob("*")
        if p.is_file()
        and str(p.relative_to(ROOT)) in in_git
        and p.suffix in {".md", ".yml", ".yaml", ".toml", ".txt", ".py", ".cfg", ".ipynb"}
        and not any(
            part.startswith((".", "_build")) or part in {"node_modules"}
            for part in p.relative_to(ROOT).parts[:-1]
        )
        and p.name != "_config.yml"
        # instructor/ is the private homework side (its own install line)
        and p.relative_to(ROOT).parts[0] != "instructor"
    ]
    naming = [
        str(p.relative_to(ROOT))
        for p in tracked
        if slug in p.read_text(encoding="utf-8", errors="replace")
    ]
    assert not naming, f"{slug} is also named in {naming}; keep it in _config.yml only"
    assert "_config.yml" in (ROOT / "README.md").read_text()
