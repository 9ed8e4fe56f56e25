"""Machinery for tests/test_homework.py: build, mutate, grade, scan for leaks.

Everything slow happens in `run_everything`: one fresh build of every assignment
(scripts/build_homework.py into a temporary folder) and one `otter run` per
submission (the committed student notebooks, unfilled, and one notebook per
mutant set), in parallel. The tests then only read the results.
"""

import ast
import fcntl
import html
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
MASTERS = ROOT / "instructor" / "homework"
MUTANTS = ROOT / "instructor" / "mutants"
CHEATS = ROOT / "instructor" / "cheats" / "submissions.yaml"
GRADE_SCRIPT = ROOT / "scripts" / "grade_submissions.py"
STUDENT = ROOT / "notebooks" / "homework"
BUILD_SCRIPT = ROOT / "scripts" / "build_homework.py"
ASSIGNMENTS = sorted(p.stem for p in MASTERS.glob("hw*.ipynb"))
GRADE_TIMEOUT = 600  # seconds for one `otter run`; the notebooks' own limits are far lower


# --- the master notebooks -------------------------------------------------------


def master(name):
    return nbformat.read(MASTERS / f"{name}.ipynb", as_version=4)


def _raw_marker(cell):
    """'BEGIN QUESTION', 'END SOLUTION', ... for otter's raw boundary cells, else None."""
    if cell.cell_type != "raw":
        return None
    match = re.match(r"\s*#\s*(BEGIN|END)\s+(QUESTION|SOLUTION|TESTS|PROMPT)\b", cell.source)
    return f"{match[1]} {match[2]}" if match else None


def questions(name):
    """{question name: config} of a master, e.g. {'q1': {'name': 'q1', 'points': 4}, ...}."""
    found = {}
    for cell in master(name).cells:
        if _raw_marker(cell) == "BEGIN QUESTION":
            config = yaml.safe_load(cell.source.split("\n", 1)[1]) or {}
            found[config["name"]] = config
    return found


def autograded(name):
    return [q for q, config in questions(name).items() if not config.get("manual", False)]


def master_parts(name):
    """The master's text split by role: solution lines, hidden tests, and everything else.

    Returns (solution_lines, hidden_tests, public_text) where hidden_tests is a list of
    (function name, body lines) and public_text the set of stripped lines of all cells that
    are neither solutions nor hidden tests (prompts, skeletons, public tests...).
    """
    solution, hidden, public = [], [], set()
    in_solution = in_tests = False
    for cell in master(name).cells:
        marker = _raw_marker(cell)
        if marker:
            in_solution = {"BEGIN SOLUTION": True, "END SOLUTION": False}.get(marker, in_solution)
            in_tests = {"BEGIN TESTS": True, "END TESTS": False}.get(marker, in_tests)
            continue
        lines = cell.source.split("\n")
        if in_tests and cell.cell_type == "code" and _is_hidden_test(cell.source):
            function = re.search(r"^def (\w+)\(", cell.source, flags=re.M)
            # otter stores tests as ast.unparse(...) text: add that form too
            tree = ast.parse(cell.source)
            unparsed = [
                ast.unparse(node) for node in tree.body if isinstance(node, ast.FunctionDef)
            ]
            hidden.append(
                (function[1] if function else "", lines[1:] + "\n".join(unparsed).split("\n"))
            )
            continue
        if in_tests and cell.cell_type == "code":  # a public test: also its unparsed form
            public.update(line.strip() for line in ast.unparse(ast.parse(cell.source)).split("\n"))
        if in_solution and cell.cell_type == "markdown":
            solution += lines
            continue
        if in_solution and cell.cell_type == "code":
            inside = False
            for line in lines:
                if re.match(r"\s*#\s*BEGIN SOLUTION", line):
                    inside = True
                elif re.match(r"\s*#\s*END SOLUTION", line):
                    inside = False
                elif inside:
                    solution.append(line)
                elif re.search(r"#\s*SOLUTION\s*$", line):
                    code = re.sub(r"#\s*SOLUTION\s*$", "", line)
                    solution.append(code)
                    if "=" in code:  # otter keeps `name = ...`; the right-hand side is secret
                        solution.append(code.split("=", 1)[1])
                else:
                    public.add(line.strip())
            continue
        public.update(line.strip() for line in lines)
    # public by design: the helpers shipped with the notebooks, and optlib, whose source the
    # book shows (a solution line that is also an optlib line gives nothing away)
    for path in [MASTERS / "hwcheck.py", *sorted((ROOT / "optlib").glob("*.py"))]:
        for line in path.read_text().split("\n"):
            public.update({line.strip(), line.split("#")[0].strip()})
    return solution, hidden, public


def _is_hidden_test(source):
    first = source.lstrip().split("\n", 1)[0]
    if first.startswith("#") and re.search(r"\bhidden\b", first, flags=re.I):
        return True
    config = re.match(
        r'\s*"""\s*#\s*BEGIN TEST CONFIG(.*?)"""\s*#\s*END TEST CONFIG', source, flags=re.S
    )
    return bool(config and (yaml.safe_load(config[1]) or {}).get("hidden"))


def secret_lines(name, min_length=12):
    """Distinctive lines of solutions and hidden test bodies that must never be published."""
    solution, hidden, public = master_parts(name)
    secrets = {}
    for line in solution:
        secrets[line.strip()] = "solution"
    for function, body in hidden:
        if function:
            secrets[f"def {function}("] = f"hidden test {function}"
            secrets[function] = f"hidden test {function}"
        for line in body:
            secrets.setdefault(line.strip(), f"hidden test {function}")
    trivial = {"...", "pass", "else:", "return", "import hwcheck", "import optlib"}
    return {
        line: why
        for line, why in secrets.items()
        if len(line) >= min_length
        and line not in public
        and line not in trivial
        and not line.startswith("#")
    }


# --- texts to scan --------------------------------------------------------------


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def readable_text(path):
    """The text a reader could see in a file: notebook sources, outputs and metadata strings,
    HTML without tags, or the file itself."""
    raw = path.read_text(errors="replace")
    if path.suffix == ".ipynb":
        return "\n".join(_strings(json.loads(raw)))
    if path.suffix in (".html", ".htm"):
        return html.unescape(re.sub(r"<[^>]+>", "", raw))
    return raw


def published_files(root):
    suffixes = {".ipynb", ".py", ".md", ".html", ".htm", ".txt", ".json", ".js", ".yml", ".yaml"}
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in suffixes)


# --- mutants --------------------------------------------------------------------


def mutant_sets(name):
    """{set name: {'mutants': [...], 'affects': [...]}} from instructor/mutants/<name>.yaml."""
    path = MUTANTS / f"{name}.yaml"
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text())["sets"]


def replace_once(source, old, new, where):
    """Replace `old` by `new` in a cell's source; `old` must occur exactly once.

    A single-line `old` is replaced as a substring. A multi-line one (a YAML block) is
    matched line by line whatever its indentation in the cell, and `new` is indented to
    match.
    """
    old_block, new_block = old.rstrip("\n"), new.rstrip("\n")
    if "\n" not in old_block and "\n" not in new_block:
        count = source.count(old_block)
        if count != 1:
            raise ValueError(f"{where}: {old_block!r} occurs {count} times, expected once")
        return source.replace(old_block, new_block)
    old_lines = textwrap.dedent(old_block).split("\n")
    new_lines = textwrap.dedent(new_block).split("\n")
    lines = source.split("\n")
    hits = []
    for i in range(len(lines) - len(old_lines) + 1):
        indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
        if all(
            lines[i + j].rstrip() == (indent + o if o else "").rstrip()
            for j, o in enumerate(old_lines)
        ):
            hits.append((i, indent))
    if len(hits) != 1:
        raise ValueError(
            f"{where}: the block\n{old_block}\noccurs {len(hits)} times, expected once"
        )
    i, indent = hits[0]
    replacement = [indent + line if line else line for line in new_lines]
    return "\n".join(lines[:i] + replacement + lines[i + len(old_lines) :])


def apply_mutants(nb, mutants, label):
    """A copy of `nb` with every mutant's replacements applied to its cell."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    cells = {cell.get("id"): cell for cell in nb.cells}
    for mutant in mutants:
        where = f"{label} {mutant['question']} ({mutant['mistake']})"
        if mutant["cell"] not in cells:
            raise ValueError(f"{where}: no cell with id {mutant['cell']!r}")
        cell = cells[mutant["cell"]]
        for edit in mutant["replace"]:
            cell.source = replace_once(cell.source, edit["old"], edit["new"], where)
    return nb


# --- building and grading -------------------------------------------------------


def environment():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    env.setdefault("MPLBACKEND", "Agg")
    return env


def build(out):
    """scripts/build_homework.py into `out` (never into the repository)."""
    command = [
        sys.executable,
        str(BUILD_SCRIPT),
        "--out",
        str(out / "dist"),
        "--student-dir",
        str(out / "student"),
        "--jobs",
        str(os.cpu_count() or 1),
    ]
    proc = subprocess.run(command, cwd=ROOT, env=environment(), capture_output=True, text=True)
    return proc.returncode, proc.stdout + proc.stderr


def _grade_child(task):
    """`otter run` one submission in a forked worker (otter is imported already)."""
    zip_path, notebook, out_dir = task
    fd = os.open(out_dir / "otter.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.environ.update(environment())
    try:
        from otter.run import main as otter_run

        otter_run(str(notebook), autograder=str(zip_path), output_dir=str(out_dir), no_logo=True)
    except BaseException:  # noqa: B036  (report anything, the parent reads the log)
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def _read_results(out_dir):
    results = out_dir / "results.json"
    if not results.exists():
        log = (out_dir / "otter.log").read_text() if (out_dir / "otter.log").exists() else ""
        return {"error": f"otter run wrote no results.json; its output:\n{log}", "questions": {}}
    graded = {}
    for test in json.loads(results.read_text())["tests"]:
        if "score" in test:
            graded[test["name"]] = {
                "score": test["score"],
                "max": test["max_score"],
                "output": test.get("output", ""),
            }
    return {"error": None, "questions": graded}


def grade_all(tasks, jobs):
    """Grade [(zip, notebook, out_dir)] with `otter run`, `jobs` at a time; results in order.

    Uses forked workers that inherit the imported otter (saves seconds per submission),
    one fresh process per submission (otter changes directories); without fork, runs the
    `otter` command.
    """
    for _, _, out_dir in tasks:
        out_dir.mkdir(parents=True, exist_ok=True)
    if "fork" in multiprocessing.get_all_start_methods():
        import otter.run  # noqa: F401  (imported once, before forking)

        context = multiprocessing.get_context("fork")
        with context.Pool(processes=jobs, maxtasksperchild=1) as pool:
            pending = [(pool.apply_async(_grade_child, (task,)), task) for task in tasks]
            results = []
            for job, (_, _, out_dir) in pending:
                try:
                    job.get(timeout=GRADE_TIMEOUT)
                except multiprocessing.TimeoutError:
                    pass  # reported below: no results.json
                results.append(_read_results(out_dir))
        return results
    results = []
    for zip_path, notebook, out_dir in tasks:
        command = [
            sys.executable,
            "-m",
            "otter",
            "run",
            "-a",
            str(zip_path),
            "-o",
            str(out_dir),
            str(notebook),
        ]
        subprocess.run(
            command, cwd=out_dir, env=environment(), capture_output=True, timeout=GRADE_TIMEOUT
        )
        results.append(_read_results(out_dir))
    return results


def submissions(root):
    """[(key, assignment, notebook path)]: unfilled student notebooks and mutant sets."""
    todo = []
    for name in ASSIGNMENTS:
        folder = root / "submissions" / f"{name}-unfilled"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(STUDENT / f"{name}.ipynb", folder / f"{name}.ipynb")
        todo.append((f"{name}-unfilled", name, folder / f"{name}.ipynb"))
        solutions = nbformat.read(
            root / "dist" / name / "autograder" / f"{name}.ipynb", as_version=4
        )
        for set_name, spec in mutant_sets(name).items():
            folder = root / "submissions" / f"{name}-{set_name}"
            folder.mkdir(parents=True, exist_ok=True)
            nb = apply_mutants(solutions, spec["mutants"], f"{name} set {set_name}")
            nbformat.write(nb, folder / f"{name}.ipynb")
            todo.append((f"{name}-{set_name}", name, folder / f"{name}.ipynb"))
    return todo


def cheats():
    """[spec] of instructor/cheats/submissions.yaml."""
    return yaml.safe_load(CHEATS.read_text())["submissions"]


def cheat_notebook(root, spec):
    """The submission a cheat spec describes, built on the solutions or the skeleton."""
    name = spec["assignment"]
    if spec.get("base", "solutions") == "solutions":
        path = root / "dist" / name / "autograder" / f"{name}.ipynb"
    else:
        path = root / "student" / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cells = {cell.get("id"): cell for cell in nb.cells}
    for cell_id, source in spec["cells"].items():
        if cell_id not in cells:
            raise ValueError(f"cheat {spec['name']}: no cell {cell_id!r} in {path}")
        cells[cell_id].source = source.rstrip("\n")
    return nb


def _grading_command():
    sys.path.insert(0, str(GRADE_SCRIPT.parent))
    try:
        import grade_submissions
    finally:
        sys.path.remove(str(GRADE_SCRIPT.parent))
    return grade_submissions


def grade_cheats(root, jobs):
    """Grade every cheat with scripts/grade_submissions.py; {name: grade (+ public output)}."""
    from concurrent.futures import ThreadPoolExecutor

    command = _grading_command()

    def one(spec):
        folder = root / "cheats" / spec["name"]
        folder.mkdir(parents=True, exist_ok=True)
        notebook = folder / f"{spec['assignment']}.ipynb"
        nbformat.write(cheat_notebook(root, spec), notebook)
        out = root / "cheat-grades" / spec["name"]
        try:
            grade = command.grade_submission(
                notebook,
                root / "dist" / f"{spec['assignment']}-autograder.zip",
                root / "student" / f"{spec['assignment']}.ipynb",
                out,
                timeout=GRADE_TIMEOUT,
                memory_bytes=4 * 2**30,
                cell_seconds=30,
            )
        except Exception as error:  # noqa: BLE001  (reported by the test)
            return spec["name"], {"error": repr(error)}
        results = json.loads((out / "results.json").read_text())
        grade["public_output"] = "\n".join(
            t.get("output", "") for t in results.get("tests", []) if t.get("name") == "Public Tests"
        )
        grade["error"] = None
        return spec["name"], grade

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return dict(pool.map(one, cheats()))


def run_everything(root):
    """Build every assignment into `root`, then grade every submission; a JSON-able summary."""
    root.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    code, log = build(root)
    summary = {"build": {"returncode": code, "log": log}, "root": str(root), "grades": {}}
    if code == 0:
        todo = submissions(root)
        tasks = [
            (root / "dist" / f"{name}-autograder.zip", nb, root / "graded" / key)
            for key, name, nb in todo
        ]
        results = grade_all(tasks, jobs=os.cpu_count() or 1)
        summary["grades"] = {key: r for (key, _, _), r in zip(todo, results, strict=True)}
        summary["cheats"] = grade_cheats(root, jobs=os.cpu_count() or 1)
    summary["seconds"] = time.perf_counter() - start
    return summary


def shared_run(base, worker):
    """run_everything once per test session, shared by pytest-xdist workers via a lock file."""
    if worker is None:
        return run_everything(base / "homework")
    shared = base.parent / "homework-shared"
    shared.mkdir(exist_ok=True)
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        cached = shared / "summary.json"
        if cached.exists():
            return json.loads(cached.read_text())
        summary = run_everything(shared / "homework")
        cached.write_text(json.dumps(summary))
        return summary
