"""The autograded homework: solutions pass, wrong answers fail, nothing secret is published.

The masters (instructor/homework/hw*.ipynb) hold questions, solutions and all tests;
`scripts/build_homework.py` runs `otter assign` on them. These tests

- build every assignment afresh (otter assign fails if a solution fails its own tests)
  and compare the student notebooks with the committed ones (the build is deterministic);
- grade the committed, unfilled student notebooks with `otter run`: every question 0;
- grade the known-wrong answers of instructor/mutants/*.yaml: each loses points, with the
  expected message, and the other questions keep full marks (also after a crash, an endless
  loop or a wrongly shaped result);
- grade the cheating and crashing submissions of instructor/cheats/submissions.yaml with
  scripts/grade_submissions.py (the instructors' command): none gets full marks, and the
  questions they do not touch are graded normally;
- scan notebooks/homework/ (and _build/html, if built) for solution lines and hidden tests.

The build and all gradings run once per session, two at a time (on 2 idle cores several
minutes: about 50 `otter run`s, some submissions need several); under pytest-xdist the workers
share them. Run with the repository on PYTHONPATH:

    PYTHONPATH=. .venv/bin/python -m pytest tests/test_homework.py -q
"""

import json
import os
import sys
import time
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import homework_support as hs  # noqa: E402

SETS = [(name, set_name) for name in hs.ASSIGNMENTS for set_name in hs.mutant_sets(name)]


@pytest.fixture(scope="session")
def homework(tmp_path_factory):
    """The fresh build and every grading (shared by xdist workers)."""
    pytest.importorskip("otter", reason="building and grading need otter-grader")
    summary = hs.shared_run(tmp_path_factory.getbasetemp(), os.environ.get("PYTEST_XDIST_WORKER"))
    summary["root"] = Path(summary["root"])
    return summary


@pytest.fixture(scope="session")
def built(homework):
    if homework["build"]["returncode"] != 0:
        pytest.fail(f"scripts/build_homework.py failed:\n{homework['build']['log'][-6000:]}")
    return homework


def graded(homework, key):
    result = homework["grades"][key]
    assert result["error"] is None, f"{key}: the grader itself failed: {result['error'][-4000:]}"
    return result["questions"]


def describe(questions):
    return "\n".join(
        f"--- {q}: {r['score']}/{r['max']}\n{r['output']}" for q, r in questions.items()
    )


# --- the assignments as written -------------------------------------------------


def test_there_are_six_assignments_with_autograded_and_written_questions():
    assert hs.ASSIGNMENTS == ["hw1", "hw2", "hw3", "hw4", "hw5", "hw6"]
    for name in hs.ASSIGNMENTS:
        config = hs.questions(name)
        assert hs.autograded(name), f"{name} has no autograded question"
        assert any(c.get("manual") for c in config.values()), f"{name} has no written question"
        solution, hidden, _ = hs.master_parts(name)
        assert solution and hidden, f"{name}: no solution lines or no hidden tests found"


@pytest.mark.parametrize("name", hs.ASSIGNMENTS)
def test_every_autograded_question_has_two_mutants_that_apply(name):
    counts = dict.fromkeys(hs.autograded(name), 0)
    master = hs.master(name)
    for set_name, spec in hs.mutant_sets(name).items():
        questions = [m["question"] for m in spec["mutants"]]
        assert len(questions) == len(set(questions)), f"{name} {set_name}: a question twice"
        assert set(spec.get("affects", [])) <= set(counts), f"{name} set {set_name}: bad affects"
        hs.apply_mutants(master, spec["mutants"], f"{name} set {set_name}")  # raises if stale
        for question in questions:
            counts[question] += 1
    assert all(n >= 2 for n in counts.values()), f"{name}: mutants per question {counts}"


# --- build: solutions pass, output deterministic ---------------------------------


@pytest.mark.parametrize("name", hs.ASSIGNMENTS)
def test_master_solutions_pass_all_their_tests(built, name):
    # build_homework.py prints this line only after `otter assign` (which runs every test,
    # public and hidden, against the solutions) succeeded for the assignment
    assert f"{name}: solutions pass their tests" in built["build"]["log"]
    with zipfile.ZipFile(built["root"] / "dist" / f"{name}-autograder.zip") as z:
        tests = {n: z.read(n).decode() for n in z.namelist() if n.startswith("tests/")}
    for question in hs.autograded(name):
        text = tests[f"tests/{question}.py"]
        assert "hidden=True" in text and "hidden=False" in text, (
            f"{name} {question}: expected public and hidden test cases in the autograder"
        )


@pytest.mark.parametrize("name", hs.ASSIGNMENTS)
def test_committed_student_notebook_is_what_a_fresh_build_gives(built, name):
    fresh = built["root"] / "student"
    for filename in (f"{name}.ipynb", "hwcheck.py"):
        committed = hs.STUDENT / filename
        assert committed.exists(), f"{committed} is missing: run scripts/build_homework.py"
        assert committed.read_bytes() == (fresh / filename).read_bytes(), (
            f"{committed} differs from a fresh build: run scripts/build_homework.py and commit"
        )
    assert (hs.MASTERS / "hwcheck.py").read_bytes() == (hs.STUDENT / "hwcheck.py").read_bytes()


def test_normalising_twice_gives_the_same_bytes(built):
    sys.path.insert(0, str(hs.ROOT / "scripts"))
    import build_homework

    for name in hs.ASSIGNMENTS:
        generated = built["root"] / "dist" / name / "student" / f"{name}.ipynb"
        master = hs.MASTERS / f"{name}.ipynb"
        once = build_homework.normalise(generated, master)
        assert once == build_homework.normalise(generated, master)
        assert once == (hs.STUDENT / f"{name}.ipynb").read_text()


# --- grading ---------------------------------------------------------------------


@pytest.mark.parametrize("name", hs.ASSIGNMENTS)
def test_unfilled_student_notebook_gets_zero_without_crashing_the_grader(built, name):
    questions = graded(built, f"{name}-unfilled")
    assert sorted(questions) == sorted(hs.autograded(name)), describe(questions)
    for question, result in questions.items():
        assert result["max"] > 0
        assert result["score"] == 0, f"{name} {question} unfilled:\n{describe(questions)}"
        assert "❌ Test case failed" in result["output"]
        # the checks fail with hwcheck.CheckFailed, an AssertionError with a shortened message
        assert "CheckFailed" in result["output"] or "AssertionError" in result["output"], result[
            "output"
        ]


@pytest.mark.parametrize("name,set_name", SETS)
def test_known_wrong_answers_lose_points_and_say_why(built, name, set_name):
    spec = hs.mutant_sets(name)[set_name]
    questions = graded(built, f"{name}-{set_name}")
    assert sorted(questions) == sorted(hs.autograded(name)), describe(questions)
    mutated = {m["question"]: m for m in spec["mutants"]}
    for question, result in questions.items():
        if question in mutated:
            mutant = mutated[question]
            label = f"{name} {question}, mistake: {mutant['mistake']}"
            if mutant.get("expect", "fail") == "zero":
                assert result["score"] == 0, f"{label}: expected 0 points\n{describe(questions)}"
            else:
                assert result["score"] < result["max"], (
                    f"{label}: not rejected\n{describe(questions)}"
                )
            assert mutant.get("message", "") in result["output"], (
                f"{label}: expected {mutant.get('message')!r} in the feedback\n{result['output']}"
            )
        elif question not in spec.get("affects", []):
            assert result["score"] == result["max"], (
                f"{name} {question} is correct in set {set_name} but lost points\n"
                f"{describe(questions)}"
            )


# --- nothing secret is published -----------------------------------------------


def _leaks(files, name):
    secrets = hs.secret_lines(name)
    assert secrets, f"no secret lines found in the {name} master"
    found = []
    for path in files:
        text = hs.readable_text(path)
        found += [f"{path}: {why}: {line}" for line, why in secrets.items() if line in text]
    return found


@pytest.mark.parametrize("name", hs.ASSIGNMENTS)
def test_student_notebooks_hold_no_solution_and_no_hidden_test(name):
    files = hs.published_files(hs.STUDENT)
    assert hs.STUDENT / f"{name}.ipynb" in files
    leaks = _leaks(files, name)
    assert not leaks, "\n".join(leaks[:20])


def test_student_notebooks_hold_no_otter_master_markers():
    markers = [
        "# BEGIN SOLUTION",
        "# END SOLUTION",
        "# ASSIGNMENT CONFIG",
        "# BEGIN TESTS",
        "# HIDDEN",
        "hidden=True",
        '"hidden": true',
        "# SOLUTION",
    ]
    for path in hs.published_files(hs.STUDENT):
        text = path.read_text()
        assert not [m for m in markers if m in text], f"{path} contains a master marker"


@pytest.mark.parametrize("name", hs.ASSIGNMENTS)
def test_built_book_holds_no_solution_and_no_hidden_test(name):
    html = hs.ROOT / "_build" / "html"
    if not html.is_dir():
        if os.environ.get("BROWSER_TESTS_REQUIRED") == "1":  # make test-browser, after make book
            pytest.fail("the book is not built (_build/html does not exist)")
        pytest.skip("the book is not built (_build/html does not exist)")
    leaks = _leaks(hs.published_files(html), name)
    assert not leaks, "\n".join(leaks[:20])


def test_the_leak_scan_finds_a_planted_solution(tmp_path):
    name = hs.ASSIGNMENTS[-1]
    secrets = hs.secret_lines(name)
    solution = next(line for line, why in secrets.items() if why == "solution")
    hidden = next(why for why in secrets.values() if why.startswith("hidden test"))
    planted = tmp_path / "leak.ipynb"
    planted.write_text(json.dumps({"cells": [{"source": ["x = 1\n", "    " + solution]}]}))
    assert _leaks([planted], name)
    (tmp_path / "hidden.html").write_text(f"<p>{hidden.split()[-1]}</p>")
    assert _leaks([tmp_path / "hidden.html"], name)
    (tmp_path / "clean.ipynb").write_text(json.dumps({"cells": [{"source": ["x = ..."]}]}))
    assert not _leaks([tmp_path / "clean.ipynb"], name)


# --- the checking helpers themselves (fast, in-process) ----------------------------


@pytest.fixture
def hwcheck():
    sys.path.insert(0, str(hs.MASTERS))
    try:
        import hwcheck

        yield hwcheck
    finally:
        sys.path.remove(str(hs.MASTERS))


def test_time_limit_stops_an_endless_loop_even_if_it_catches_exceptions(hwcheck):
    def stubborn():
        while True:
            try:
                while True:
                    pass
            except Exception:
                pass

    start = time.perf_counter()
    with pytest.raises(AssertionError, match="did not finish within its time limit"):
        with hwcheck.time_limit(0.3, "stubborn"):
            hwcheck.call(stubborn, what="stubborn()")
    assert time.perf_counter() - start < 5
    with pytest.raises(AssertionError, match="not run again"):
        hwcheck.call(stubborn, what="stubborn() again")
    with pytest.raises(TimeoutError, match="the loop did not finish within 0.2 s"):
        with hwcheck.time_limit(0.2, "the loop"):
            while True:
                pass


def test_call_reports_the_error_and_the_line(hwcheck):
    def broken(x):
        return x.missing

    with pytest.raises(AssertionError, match=r"f\(1\) raised AttributeError.*\n.*return x.missing"):
        hwcheck.call(broken, 1, what="f(1)")


def test_check_optimizer_names_step_expected_and_got(hwcheck):
    import numpy as np

    import optlib

    class Wrong:  # momentum that climbs the gradient
        def __init__(self, lr, momentum):
            self.lr, self.momentum = lr, momentum

        def init(self, w):
            return optlib.gd.MomentumState(0, np.zeros(np.shape(w)))

        def update(self, g, state):
            velocity = self.momentum * state.velocity + self.lr * g
            return velocity, type(state)(state.t + 1, velocity)

    with pytest.raises(AssertionError) as info:
        hwcheck.check_optimizer(
            Wrong,
            {"lr": 0.1, "momentum": 0.9},
            optlib.Momentum(lr=0.1, momentum=0.9),
            [[1.0], [1.0]],
        )
    assert str(info.value) == (
        "Δw: expected [-0.1], got [0.1] (Wrong(lr=0.1, momentum=0.9), step 1, g = [1]); "
        "first difference at index (0,): expected -0.1, got 0.1, relative difference 2"
    )

    class Mutating:
        def init(self, w):
            return optlib.gd.MomentumState(0, np.zeros(np.shape(w)))

        def update(self, g, state):
            state.velocity[...] += 1.0
            return -0.1 * g, type(state)(state.t + 1, state.velocity)

    with pytest.raises(AssertionError, match="changed its input state"):
        hwcheck.check_pure(Mutating, {}, np.ones((2, 3)), optlib.GD(lr=0.1))


def test_a_subclass_of_optlib_is_refused_and_optlib_is_off_inside_student_code(hwcheck):
    import numpy as np

    import optlib

    class Wrong(optlib.Momentum):
        pass

    with pytest.raises(AssertionError, match="`Momentum` is optlib's code"):
        hwcheck.check_optimizer(
            Wrong, {"lr": 0.1}, optlib.Momentum(lr=0.1), [[1.0]], name="Momentum"
        )
    theirs = optlib.Momentum.update  # captured before the check, still refused inside it

    class Delegating:
        def init(self, w):
            return optlib.gd.MomentumState(0, np.zeros(np.shape(w)))

        def update(self, g, state):
            return theirs(optlib.Momentum(lr=0.1), g, state)

    with pytest.raises(AssertionError, match="don't call optlib.Momentum.update here"):
        hwcheck.check_optimizer(Delegating, {}, optlib.Momentum(lr=0.1), [[1.0]], name="M")
    # outside the checks, optlib works again
    assert optlib.Momentum(lr=0.1).update(np.ones(1), optlib.Momentum().init(np.ones(1)))[1].t == 1
    assert optlib.ewma(np.ones(3), 0.5).shape == (3,)


def test_messages_are_cut_short_and_base_exceptions_cost_only_the_check(hwcheck):
    def leaky(x):
        raise RuntimeError("secret " * 500)

    with pytest.raises(AssertionError) as info:
        hwcheck.call(leaky, 1, what="leaky(1)")
    assert len(str(info.value)) <= hwcheck.MAX_MESSAGE + 40
    for error in (KeyboardInterrupt, SystemExit, GeneratorExit):

        def stop(x, error=error):
            raise error()

        with pytest.raises(AssertionError, match=f"raised {error.__name__}"):
            hwcheck.call(stop, 1, what="stop(1)")


def test_a_replaced_numpy_function_stops_every_check(hwcheck, monkeypatch):
    import numpy as np

    monkeypatch.setattr(np, "isclose", lambda *args, **kwargs: True)
    spec = __import__("importlib.util").util.spec_from_file_location(
        "_hwcheck_test", hs.MASTERS / "hwcheck.py"
    )
    fresh = __import__("importlib.util").util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    with pytest.raises(AssertionError, match="numpy has been modified"):
        fresh.check_close([1.0], [2.0], "x", "here")
    with pytest.raises(AssertionError, match="relative difference 0.5"):
        hwcheck.check_close([1.0], [2.0], "x", "here")  # loaded before the patch


# --- cheats and crashing submissions, graded by scripts/grade_submissions.py --------

CHEATS = {spec["name"]: spec for spec in hs.cheats()}


def _grade_text(grade):
    return "\n".join(
        [*grade["notes"], *(e["message"] + "\n" + e["output"] for e in grade["questions"].values())]
    )


@pytest.mark.parametrize("cheat", sorted(CHEATS))
def test_cheats_and_crashes_never_get_full_marks(built, cheat):
    spec = CHEATS[cheat]
    grade = built["cheats"][cheat]
    assert grade["error"] is None, f"{cheat}: the grading command failed: {grade['error']}"
    table = "\n".join(
        f"{q}: {e['score']}/{e['max']} (otter {e['otter_score']}) {e['message']}"
        for q, e in grade["questions"].items()
    )
    assert sorted(grade["questions"]) == sorted(hs.autograded(spec["assignment"])), table
    assert all(e["max"] for e in grade["questions"].values()), f"{cheat}: no maximum\n{table}"
    assert grade["total"] < grade["max"], f"{cheat} got full marks\n{table}"
    for question in spec.get("zero", []):
        assert grade["questions"][question]["score"] == 0, f"{cheat} {question}\n{table}"
    for question in spec.get("full", []):  # graded normally (held at 0 if flagged)
        entry = grade["questions"][question]
        assert entry["otter_score"] == entry["max"], f"{cheat} {question} lost points\n{table}"
    assert bool(grade["flags"]) == spec.get("flagged", False), (
        f"{cheat}: flags {grade['flags']}\n{table}"
    )
    if grade["flags"]:
        assert all(
            "tamper scan" in e["message"] and e["score"] == 0 for e in grade["questions"].values()
        ), table
    text = _grade_text(grade)
    for expected in spec.get("expect", []):
        assert expected in text, f"{cheat}: {expected!r} not in the feedback\n{text[-3000:]}"
    if spec.get("no_secrets"):
        secrets = hs.secret_lines(spec["assignment"])
        shown = [line for line in secrets if line in grade["public_output"]]
        assert not shown, f"{cheat}: the visible output shows {shown[:3]}"
        assert len(grade["public_output"]) < 4000, grade["public_output"][-2000:]


def test_every_graded_question_of_every_assignment_is_attacked_by_a_cheat():
    attacked = {(spec["assignment"], q) for spec in CHEATS.values() for q in spec.get("zero", [])}
    for name in hs.ASSIGNMENTS:
        for question in hs.autograded(name):
            assert (name, question) in attacked, f"no cheat gets 0 on {name} {question}"


def test_the_tamper_scan_flags_what_it_should(tmp_path):
    scan = hs._grading_command().scan_source
    for source in [
        "import hwcheck",
        "np.isclose = lambda *a: True",
        "import sys\nsys.modules",
        "open('tests/q1.py').read()",
        "import otter",
        "f.__code__ = g.__code__",
        "%time import os",
        "optlib.Adam.update = None",
        "getattr(x, 'a' + 'b')",
    ]:
        assert hs._grading_command().scan_source(source), source
    for source in [
        "def f(x):\n    return np.sqrt(x) + optlib.inverse_sqrt(0.5)(1)",
        "class A:\n    def update(self, g, state):\n        return -g, state",
        "x = (",
        "rng = np.random.default_rng(0)",
    ]:
        assert not scan(source), (source, scan(source))
    # a skeleton's own use of the checker (hw4's q3 cell calls hwcheck.time_limit) is no flag
    import nbformat

    command = hs._grading_command()
    skeleton = nbformat.read(hs.STUDENT / "hw4.ipynb", as_version=4)
    assert "hwcheck" in next(c.source for c in skeleton.cells if c.get("id") == "q3-solution")
    assert command.scan_notebook(skeleton, skeleton) == []
    edited = nbformat.from_dict(json.loads(json.dumps(skeleton)))
    cell = next(c for c in edited.cells if c.get("id") == "q3-solution")
    cell.source += "\nimport otter"
    assert command.scan_notebook(edited, skeleton) == ["cell q3-solution: imports `otter` (otter)"]
