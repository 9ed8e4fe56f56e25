#!/usr/bin/env python
"""Grade homework submissions with `otter run`, so that no answer cell can spoil the run.

    python scripts/grade_submissions.py -a instructor/dist/hw2-autograder.zip submissions/hw2/
    python scripts/grade_submissions.py -a hw2-autograder.zip alice.ipynb bob.ipynb -o grades/hw2

Every submission (a notebook, or every *.ipynb in a folder given) is graded by `otter run`
in its own process group, under a wall-clock limit (`--timeout`) and a memory limit
(`--memory`, an address-space limit that the notebook's kernel inherits), and then:

* every cell may use at most `--cell-seconds` of CPU time (a first cell added for grading
  stops it; the tests' own time limits stop endless loops inside the checks);
* if otter writes a result for every question, that is the grade;
* if not (the kernel died: `os._exit`, the out-of-memory killer; the time ran out: a
  top-level endless loop; otter itself failed: a `BaseException` escaping a test), the
  submission is regraded with its answer cells put back one question at a time, starting
  from the published skeleton (`--skeleton`, default notebooks/homework/<hw>.ipynb). A
  question whose answer cell makes the run fail gets 0, with a message naming it; every
  other question is graded normally;
* the answer cells (and any cell that differs from the skeleton) are scanned for code that
  touches the checker, otter, numpy's namespace, optlib's namespace, sys.modules, builtins,
  files, processes or signals (beyond what the skeleton's own cell does). Such code can
  change the grading of every question, so all questions of a flagged submission are held at
  0 in scores.csv until a person has read it (the otter scores stay in grade.json).

For each submission it writes <out>/<name>/results.json (otter's, of the run the scores
come from), <out>/<name>/grade.json (scores, messages, flags, runs) and prints one line; at
the end it writes <out>/scores.csv. The exit code is 0 whenever every submission got a
grade, however bad the submission.

This protects the grading run, not the machine: the submission's code runs with your user's
rights. For students you do not trust, grade in otter's Docker sandbox (`otter grade`).
"""

import argparse
import ast
import csv
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SKELETONS = ROOT / "notebooks" / "homework"

# --- the tamper scan ------------------------------------------------------------------

_SUSPICIOUS_NAMES = {
    "hwcheck": "the checker",
    "otter": "otter",
    "sys": "the interpreter (sys)",
    "builtins": "builtins",
    "__builtins__": "builtins",
    "importlib": "the import system",
    "__import__": "the import system",
    "open": "files",
    "io": "files",
    "pathlib": "files",
    "Path": "files",
    "shutil": "files",
    "os": "files or processes",
    "subprocess": "processes",
    "signal": "signals",
    "ctypes": "raw memory",
    "gc": "the garbage collector",
    "inspect": "frames",
    "exec": "dynamic code",
    "eval": "dynamic code",
    "compile": "dynamic code",
    "globals": "the notebook's namespace",
    "setattr": "attributes of other objects",
    "delattr": "attributes of other objects",
    "get_ipython": "the kernel",
    "threading": "threads",
    "multiprocessing": "processes",
    "resource": "limits",
}
_SUSPICIOUS_ATTRIBUTES = {
    "__code__",
    "__globals__",
    "__builtins__",
    "__dict__",
    "__class__",
    "__subclasses__",
    "modules",
    "_exit",
    "f_back",
    "f_globals",
    "tb_frame",
    "setitimer",
    "alarm",
}
_MODULE_ALIASES = {"np", "numpy", "optlib", "math", "scipy"}


def scan_source(source):
    """Reasons to look at a cell by hand (an empty list if none)."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        source = TransformerManager().transform_cell(source)  # %magics -> get_ipython()...
    except Exception:  # noqa: BLE001, S110  (no IPython: parse the text as it is)
        pass
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # it cannot run either; the checks report the error
    reasons = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in _SUSPICIOUS_NAMES:
            reasons.append(f"uses `{node.id}` ({_SUSPICIOUS_NAMES[node.id]})")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "vars")
            and not (
                len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and not str(node.args[1].value).startswith("__")
            )
        ):
            reasons.append(f"uses `{node.func.id}` with a computed attribute name")
        elif isinstance(node, ast.Attribute) and node.attr in _SUSPICIOUS_ATTRIBUTES:
            reasons.append(f"uses `.{node.attr}`")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            for name in names:
                top = name.split(".")[0]
                if top in _SUSPICIOUS_NAMES:
                    reasons.append(f"imports `{name}` ({_SUSPICIOUS_NAMES[top]})")
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if (
                        isinstance(sub, ast.Attribute)
                        and isinstance(sub.value, ast.Name)
                        and sub.value.id in _MODULE_ALIASES
                    ):
                        reasons.append(
                            f"changes `{sub.value.id}.{sub.attr}` (a library's namespace)"
                        )
    return sorted(set(reasons))


def answer_cells(skeleton):
    """{question: [cell ids]}: the code cells of the skeleton that belong to a question."""
    found = {}
    for cell in skeleton.cells:
        match = re.match(r"(q\d+)-", cell.get("id") or "")
        if match and cell.cell_type == "code" and "-otter" not in cell.id:
            found.setdefault(match[1], []).append(cell.id)
    return found


def scan_notebook(nb, skeleton):
    """Reasons to read a submission by hand: what its answer cells, and every cell that
    differs from the skeleton, do beyond what the skeleton's own cell already did."""
    given = {c.source.strip() for c in skeleton.cells if c.cell_type == "code"}
    skeleton_source = {c.get("id"): c.source for c in skeleton.cells}
    reasons = []
    for cell in nb.cells:
        if cell.cell_type != "code" or cell.source.strip() in given:
            continue  # a given cell (otter's own cells included), unchanged
        found = set(scan_source(cell.source))
        found -= set(scan_source(skeleton_source.get(cell.get("id"), "")))
        where = f"cell {cell.get('id')}" if cell.get("id") else "a cell"
        reasons += [f"{where}: {r}" for r in sorted(found)]
    return reasons


# --- running otter --------------------------------------------------------------------


def _limits(memory_bytes, cpu_seconds):
    def apply():
        os.setsid()
        if memory_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        if cpu_seconds:
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))

    return apply


def _kill_tree(pid):
    """Kill a process and all its descendants (kernels may sit in their own sessions)."""
    try:
        import psutil

        parent = psutil.Process(pid)
        family = parent.children(recursive=True) + [parent]
    except Exception:  # noqa: BLE001  (already gone, or no psutil)
        family = []
    for proc in family:
        try:
            proc.kill()
        except Exception:  # noqa: BLE001, S110  (already gone)
            pass
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def otter_run(autograder, notebook, out_dir, timeout, memory_bytes):
    """One `otter run`; (results dict or None, a short description of what went wrong)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in ("results.json", "otter.log"):
        (out_dir / old).unlink(missing_ok=True)
    env = dict(os.environ)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    env.setdefault("MPLBACKEND", "Agg")
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    command = [
        sys.executable,
        "-m",
        "otter",
        "run",
        "--no-logo",
        "-a",
        str(autograder),
        "-o",
        str(out_dir),
        str(notebook),
    ]
    with open(out_dir / "otter.log", "w") as log:
        proc = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=out_dir,
            env=env,
            preexec_fn=_limits(memory_bytes, int(timeout) + 10),
        )  # noqa: PLW1509
        try:
            code = proc.wait(timeout=timeout)
            problem = None if code == 0 else f"otter run exited with code {code}"
        except subprocess.TimeoutExpired:
            problem = f"the run did not finish within {timeout:g} s"
        finally:
            _kill_tree(proc.pid)
            proc.wait()
    results_path = out_dir / "results.json"
    if not results_path.exists():
        text = (out_dir / "otter.log").read_text(errors="replace")
        reason = problem or "otter run wrote no results"
        if "DeadKernelError" in text or "Kernel died" in text:
            reason = "the notebook's kernel died (os._exit, a crash, or out of memory)"
        return None, reason
    return json.loads(results_path.read_text()), problem


def scores_of(results):
    """{question: (score, max, output)} from otter's results.json."""
    return {
        t["name"]: (t["score"], t["max_score"], t.get("output", ""))
        for t in (results or {}).get("tests", [])
        if "score" in t
    }


def questions_of(autograder):
    with zipfile.ZipFile(autograder) as z:
        names = [Path(n).stem for n in z.namelist() if re.fullmatch(r"tests/q\d+\.py", n)]
    return sorted(names, key=lambda q: int(q[1:]))


def _complete(results, questions):
    scores = scores_of(results)
    return results is not None and all(q in scores for q in questions)


def with_answers(nb, skeleton, present, answers, keep_other_cells=True):
    """nb with the answer cells of questions not in `present` reset to the skeleton."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    reset = {cid for q, ids in answers.items() if q not in present for cid in ids}
    source = {c.get("id"): c for c in skeleton.cells}
    if keep_other_cells:
        for cell in nb.cells:
            if cell.get("id") in reset:
                cell.source = source[cell.id].source
        return nb
    student = {c.get("id"): c for c in nb.cells}
    out = nbformat.from_dict(json.loads(json.dumps(skeleton)))
    for cell in out.cells:
        if (
            cell.get("id") in student
            and cell.get("id") not in reset
            and any(cell.get("id") in ids for ids in answers.values())
        ):
            cell.source = student[cell.id].source
    return out


CELL_LIMIT_SOURCE = """\
# Added by scripts/grade_submissions.py: every cell of the submission may use at most
# {seconds} s of CPU time (a top-level endless loop costs that cell, not the whole run).
import signal as _grading_signal


def _grading_cell_limit(signum, frame):
    raise KeyboardInterrupt("this cell used more than {seconds} s of CPU time and was stopped")


def _grading_arm(info=None):
    text = getattr(info, "raw_cell", "") or ""
    grading = "otter" in text or "grader." in text
    _grading_signal.setitimer(_grading_signal.ITIMER_VIRTUAL, 0 if grading else {seconds}, 1.0)


def _grading_disarm(result=None):
    _grading_signal.setitimer(_grading_signal.ITIMER_VIRTUAL, 0, 0)


_grading_signal.signal(_grading_signal.SIGVTALRM, _grading_cell_limit)
get_ipython().events.register("pre_run_cell", _grading_arm)
get_ipython().events.register("post_run_cell", _grading_disarm)
"""


def with_cell_limit(nb, seconds):
    """nb with a first cell that limits the CPU time of every later cell."""
    if not seconds:
        return nb
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    cell = nbformat.v4.new_code_cell(CELL_LIMIT_SOURCE.format(seconds=int(seconds)))
    cell.id = "grading-cell-limit"
    nb.cells.insert(0, cell)
    return nb


def grade_submission(
    notebook,
    autograder,
    skeleton_path,
    out_dir,
    timeout,
    memory_bytes,
    hold_flagged=True,
    cell_seconds=60,
):
    """Grade one notebook; writes results.json and grade.json into out_dir, returns the grade."""
    start = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    questions = questions_of(autograder)
    skeleton = nbformat.read(skeleton_path, as_version=4)
    answers = answer_cells(skeleton)
    grade = {"submission": str(notebook), "questions": {}, "notes": [], "flags": [], "runs": []}
    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception as error:  # noqa: BLE001  (an unreadable file is graded 0)
        nb = None
        grade["notes"].append(f"the notebook could not be read: {str(error)[:200]}")
    if nb is not None:
        grade["flags"] = scan_notebook(nb, skeleton)
    with tempfile.TemporaryDirectory(prefix="grade-") as scratch:
        scratch = Path(scratch)

        def attempt(label, candidate):
            path = scratch / label / Path(notebook).name
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(with_cell_limit(candidate, cell_seconds), path)
            results, problem = otter_run(
                autograder, path, out_dir / "runs" / label, timeout, memory_bytes
            )
            ok = _complete(results, questions)
            grade["runs"].append({"run": label, "complete": ok, "problem": problem})
            return results if ok else None, problem

        crashed = {}
        final = None
        if nb is not None:
            final, problem = attempt("full", nb)
            if final is None:
                grade["notes"].append(
                    f"the full run failed: {problem}; regraded question by question"
                )
                base_kept = True
                present = []
                good, problem = attempt("base", with_answers(nb, skeleton, [], answers))
                if good is None:  # the trouble is outside the answer cells
                    base_kept = False
                    grade["notes"].append(
                        f"even with every answer reset the run failed ({problem}): cells "
                        "outside the answers were ignored (only the answer cells were graded)"
                    )
                    good, _ = attempt(
                        "skeleton", with_answers(nb, skeleton, [], answers, keep_other_cells=False)
                    )
                for question in questions:
                    if question not in answers:
                        continue
                    trial = present + [question]
                    results, problem = attempt(
                        f"with-{question}",
                        with_answers(nb, skeleton, trial, answers, keep_other_cells=base_kept),
                    )
                    if results is None:
                        crashed[question] = problem
                    else:
                        present, good = trial, results
                final = good
        scores = scores_of(final)
        if final is not None:
            shutil.copyfile(_latest_results(out_dir, grade), out_dir / "results.json")
        else:
            (out_dir / "results.json").write_text(
                json.dumps({"tests": [], "error": grade["notes"]}, indent=1)
            )
    for question in questions:
        score, max_score, output = scores.get(question, (0, None, ""))
        entry = {"score": score, "max": max_score, "otter_score": score, "message": ""}
        if question in crashed:
            entry.update(
                score=0,
                message=(
                    f"{question}: 0 points, because running its answer cell made the grading run "
                    f"fail ({crashed[question]}); the other questions were graded without it"
                ),
            )
        elif question not in scores:
            entry.update(score=0, message=f"{question}: no result (the run failed)")
        flags = grade["flags"]  # patching is global: a flag holds every question
        if flags and hold_flagged:
            entry.update(
                score=0,
                message=(entry["message"] + " " if entry["message"] else "")
                + f"{question}: held at 0 until reviewed by hand (tamper scan: "
                + "; ".join(flags[:3])
                + ")",
            )
        entry["output"] = output[:4000]
        grade["questions"][question] = entry
    grade["total"] = sum(e["score"] for e in grade["questions"].values())
    grade["max"] = sum(e["max"] or 0 for e in grade["questions"].values())
    grade["seconds"] = round(time.perf_counter() - start, 1)
    (out_dir / "grade.json").write_text(json.dumps(grade, indent=1, ensure_ascii=False))
    return grade


def _latest_results(out_dir, grade):
    complete = [r["run"] for r in grade["runs"] if r["complete"]]
    return out_dir / "runs" / complete[-1] / "results.json"


def summary_line(name, grade):
    parts = ", ".join(f"{q} {_n(e['score'])}/{_n(e['max'])}" for q, e in grade["questions"].items())
    notes = [e["message"] for e in grade["questions"].values() if e["message"]]
    text = f"{name}: {_n(grade['total'])}/{_n(grade['max'])} ({parts})"
    return text + ("  !! " + " | ".join(notes) if notes else "")


def _n(x):
    if x is None:
        return "?"
    return f"{x:g}" if isinstance(x, float) else str(x)


def collect(paths):
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        else:
            found.append(path)
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", nargs="+", help="notebooks, or folders of notebooks")
    parser.add_argument(
        "-a",
        "--autograder",
        type=Path,
        required=True,
        help="the assignment's autograder zip (scripts/build_homework.py)",
    )
    parser.add_argument("-o", "--out", type=Path, default=Path("grades"))
    parser.add_argument(
        "--skeleton",
        type=Path,
        help="the published student notebook (default: "
        "notebooks/homework/<hw>.ipynb, hw taken from the zip's name)",
    )
    parser.add_argument(
        "--timeout", type=float, default=900, help="seconds for one otter run (default 900)"
    )
    parser.add_argument(
        "--memory",
        type=float,
        default=4.0,
        help="address-space limit of a run in GiB (default 4; 0: none)",
    )
    parser.add_argument(
        "--cell-seconds",
        type=float,
        default=60,
        help="CPU seconds one cell of a submission may use (default 60; 0: none)",
    )
    parser.add_argument("--jobs", type=int, default=1, help="submissions graded at once")
    parser.add_argument(
        "--keep-flagged",
        action="store_true",
        help="do not hold questions flagged by the tamper scan at 0",
    )
    args = parser.parse_args(argv)

    autograder = args.autograder.resolve()
    if not autograder.exists():
        parser.error(f"no autograder zip at {autograder}")
    skeleton = args.skeleton or SKELETONS / f"{autograder.name.split('-autograder')[0]}.ipynb"
    if not Path(skeleton).exists():
        parser.error(f"no skeleton notebook at {skeleton}; pass --skeleton")
    notebooks = collect(args.submissions)
    if not notebooks:
        parser.error("no submissions found")
    args.out.mkdir(parents=True, exist_ok=True)
    names, seen = [], set()
    for path in notebooks:
        name = re.sub(r"[^\w.-]+", "_", path.stem if path.stem not in seen else str(path))
        seen.add(path.stem)
        names.append(name)
    memory = int(args.memory * 2**30) or None
    done = [0]

    def one(item):
        name, path = item
        grade = grade_submission(
            path.resolve(),
            autograder,
            skeleton,
            (args.out / name).resolve(),
            args.timeout,
            memory,
            hold_flagged=not args.keep_flagged,
            cell_seconds=args.cell_seconds,
        )
        done[0] += 1
        print(f"[{done[0]}/{len(notebooks)}] {summary_line(name, grade)}", flush=True)
        return name, grade

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        graded = list(pool.map(one, zip(names, notebooks, strict=True)))
    questions = questions_of(autograder)
    with open(args.out / "scores.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["submission", *questions, "total", "max", "flagged", "notes"])
        for name, grade in graded:
            flagged = sorted(
                {q for q, e in grade["questions"].items() if "tamper scan" in e["message"]}
            )
            notes = " | ".join(
                grade["notes"] + [e["message"] for e in grade["questions"].values() if e["message"]]
            )
            writer.writerow(
                [
                    name,
                    *[_n(grade["questions"][q]["score"]) for q in questions],
                    _n(grade["total"]),
                    _n(grade["max"]),
                    " ".join(flagged),
                    notes,
                ]
            )
    print(f"wrote {args.out / 'scores.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
