# Run `make help` for the list. Every target creates .venv on first use.
PY := .venv/bin/python
VENV_STAMP := .venv/.installed

.PHONY: help book test test-browser test-fast lint notebooks homework bench perturb ledger clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV_STAMP): requirements.txt pyproject.toml
	python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(VENV_STAMP)

book: $(VENV_STAMP)  ## set up .venv and build the HTML book into _build/html
	.venv/bin/jupyter-book build . -W -n --keep-going

test: $(VENV_STAMP)  ## set up .venv and run every test (lint, unit, notebooks)
	$(PY) -m ruff check .
	$(PY) -m pytest -q -n 2 tests --ignore=tests/browser \
		--ignore=tests/test_jupyterlab.py --ignore=tests/test_binder_env.py
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(PY) -m pytest -q -p no:python --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg -n 2 --dist loadscope notebooks \
		--ignore=notebooks/homework

test-browser: $(VENV_STAMP)  ## after make book: the built book in Chromium, JupyterLab, Binder env
	bash scripts/install_browser.sh
	BROWSER_TESTS_REQUIRED=1 $(PY) -m pytest -q -n 2 tests/browser tests/test_jupyterlab.py \
		tests/test_binder_env.py \
		tests/test_homework.py::test_built_book_holds_no_solution_and_no_hidden_test
	$(PY) tests/browser/report_site.py _build/html | tail -3

test-fast: $(VENV_STAMP)  ## unit and property tests only (no notebooks, homework or browser)
	$(PY) -m pytest -q tests --ignore=tests/browser --ignore=tests/test_jupyterlab.py \
		--ignore=tests/test_binder_env.py --ignore=tests/test_homework.py

lint: $(VENV_STAMP)  ## ruff on the package, tests, scripts
	$(PY) -m ruff check .

notebooks: $(VENV_STAMP)  ## re-execute every chapter notebook in place (after changing optlib)
	$(PY) scripts/execute_notebooks.py

perturb: $(VENV_STAMP)  ## re-execute the chapters under another BLAS kernel/thread count; list changed cells
	$(PY) scripts/perturb_notebooks.py

ledger: $(VENV_STAMP)  ## regenerate book/claims.md from the chapters' glued claims
	$(PY) scripts/make_ledger.py

homework: $(VENV_STAMP)  ## regenerate student notebooks and autograder zips from instructor/
	$(PY) scripts/build_homework.py

bench: $(VENV_STAMP)  ## print the benchmark numbers (optional: torch for comparisons)
	$(PY) benchmarks/run_all.py

clean:  ## remove the build output
	rm -rf _build
