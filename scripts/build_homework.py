#!/usr/bin/env python
"""Build the homework: run `otter assign` on every master, publish the student notebooks.

    python scripts/build_homework.py              # every master in instructor/homework/
    python scripts/build_homework.py hw2 hw4      # some of them
    python scripts/build_homework.py --check      # exit 1 if notebooks/homework/ is stale

For each master `instructor/homework/<hw>.ipynb` this

1. runs `otter assign` into `instructor/dist/<hw>/` (gitignored). otter assign runs every
   test, public and hidden, against the master's solutions and fails if one does not pass;
   it runs in debug mode, so a cell of the master that raises fails the build too. A build
   that succeeds means the master runs cleanly and its solutions pass their own tests;
2. copies the autograder zip to `instructor/dist/<hw>-autograder.zip` (a stable name; the
   zip otter writes carries a timestamp). The zip holds the solutions and hidden tests:
   keep it private;
3. normalises the student notebook (otter gives its own cells random ids) so that building
   twice gives byte-identical files, and writes it to `notebooks/homework/<hw>.ipynb`,
   together with `hwcheck.py`, the checking helpers the tests import.

otter assign executes the notebooks, so `optlib` must be importable: the repository root is
put on PYTHONPATH of the worker processes and of the kernels they start.
"""

import argparse
import difflib
import hashlib
import multiprocessing
import os
import shutil
import subprocess
import sys
import traceback
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
MASTERS = ROOT / "instructor" / "homework"
DIST = ROOT / "instructor" / "dist"
STUDENT = ROOT / "notebooks" / "homework"
SUPPORT_FILES = ("hwcheck.py",)


def masters(names=None):
    """The master notebooks to build, by assignment name (default: all of them)."""
    found = {p.stem: p for p in sorted(MASTERS.glob("hw*.ipynb"))}
    if not names:
        return list(found.values())
    unknown = sorted(set(names) - set(found))
    if unknown:
        raise SystemExit(f"no master notebook for {unknown}; have {sorted(found)}")
    return [found[n] for n in names]


def _child_environment():
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p
    )
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")


def _assign_child(task):
    """Run otter assign in a forked worker; its output goes to a log file."""
    master, target, run_tests, log = task
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    _child_environment()
    try:
        from otter.assign import main as otter_assign

        otter_assign(str(master), str(target), no_run_tests=not run_tests, debug=True)
        return 0
    except BaseException:  # report anything, including SystemExit from otter
        traceback.print_exc()
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def assign_all(todo, out, run_tests=True, jobs=1):
    """otter assign every master into out/<hw>/; [(name, returncode, log text)].

    Runs in forked worker processes that inherit the already imported otter (importing it
    costs seconds); one fresh process per assignment, because otter changes directories.
    """
    import otter.assign  # noqa: F401  (imported once, before forking)

    tasks = []
    for master in todo:
        target = out / master.stem
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        tasks.append((master, target, run_tests, out / f"{master.stem}-assign.log"))
    if "fork" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("fork")
        with context.Pool(processes=max(1, min(jobs, len(tasks))), maxtasksperchild=1) as pool:
            codes = pool.map(_assign_child, tasks, chunksize=1)
    else:  # no fork (Windows): one otter process per assignment
        _child_environment()
        codes = []
        for master, target, _, log in tasks:
            command = [sys.executable, "-m", "otter", "assign", "--debug", str(master), str(target)]
            if not run_tests:
                command.append("--no-run-tests")
            with open(log, "w") as handle:
                codes.append(
                    subprocess.run(
                        command, stdout=handle, stderr=subprocess.STDOUT, cwd=master.parent
                    ).returncode
                )
    return [
        (m.stem, code, Path(t[3]).read_text())
        for m, code, t in zip(todo, codes, tasks, strict=True)
    ]


def normalise(student_nb, master_nb):
    """The student notebook with deterministic cell ids and no outputs or volatile metadata.

    Cells copied from the master keep the master's ids; the cells otter adds (the init
    cell, the grader.check cells, answer cells of written questions) get
    '<id of the previous master cell>-otter<n>'.
    """
    nb = nbformat.read(student_nb, as_version=4)
    master_ids = {c.get("id") for c in nbformat.read(master_nb, as_version=4).cells}
    previous, count = "start", 0
    for cell in nb.cells:
        if cell.get("id") in master_ids:
            previous, count = cell.id, 0
        else:
            count += 1
            cell.id = f"{previous}-otter{count}"[-64:]
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    for key in ("widgets", "toc", "varInspector"):
        nb.metadata.pop(key, None)
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def autograder_zip(out, name):
    zips = sorted((out / name / "autograder").glob(f"{name}-autograder_*.zip"))
    if len(zips) != 1:
        raise SystemExit(f"expected one autograder zip in {out / name / 'autograder'}, got {zips}")
    return zips[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", help="e.g. hw1 hw3 (default: all masters)")
    parser.add_argument("--out", type=Path, default=DIST, help=f"otter output (default {DIST})")
    parser.add_argument(
        "--student-dir",
        type=Path,
        default=STUDENT,
        help=f"where the student notebooks go (default {STUDENT})",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write the student notebooks; exit 1 if they differ",
    )
    parser.add_argument(
        "--no-run-tests",
        action="store_true",
        help="skip otter's test run against the solutions (faster, weaker)",
    )
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1))
    args = parser.parse_args(argv)

    todo = masters(args.assignments)
    out = args.out.resolve()
    results = assign_all(todo, out, run_tests=not args.no_run_tests, jobs=args.jobs)

    failed = [(name, log) for name, code, log in results if code != 0]
    for name, log in failed:
        print(f"=== otter assign {name} FAILED ===\n{log}", file=sys.stderr)
    if failed:
        return 1

    stale = []
    args.student_dir.mkdir(parents=True, exist_ok=True)
    for master in todo:
        name = master.stem
        shutil.copyfile(autograder_zip(out, name), out / f"{name}-autograder.zip")
        files = {f"{name}.ipynb": normalise(out / name / "student" / f"{name}.ipynb", master)}
        for support in SUPPORT_FILES:
            files[support] = (out / name / "student" / support).read_text()
        for filename, text in files.items():
            target = args.student_dir / filename
            old = target.read_text() if target.exists() else None
            if old == text:
                continue
            if args.check:
                stale.append(filename)
                diff = difflib.unified_diff(
                    (old or "").splitlines(),
                    text.splitlines(),
                    str(target),
                    "generated",
                    lineterm="",
                    n=1,
                )
                print("\n".join(list(diff)[:40]), file=sys.stderr)
            else:
                target.write_text(text)
                shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
                print(f"wrote {shown}")
        digest = hashlib.sha256(files[f"{name}.ipynb"].encode()).hexdigest()[:12]
        print(
            f"{name}: solutions pass their tests; student notebook sha256 {digest}; "
            f"autograder {out / f'{name}-autograder.zip'}"
        )
    if stale:
        print(
            f"out of date in {args.student_dir}: {sorted(set(stale))}; "
            "run scripts/build_homework.py",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
