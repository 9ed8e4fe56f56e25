# Run `make help` for the list. Every target creates .venv on first use.
PY := .venv/bin/python
VENV_STAMP := .venv/.installed

.PHONY: help book book-fa po check-fa test test-browser test-fast binder-size lint notebooks twins homework bench perturb ledger clean lab

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV_STAMP): requirements.txt pyproject.toml
	python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(VENV_STAMP)

book: $(VENV_STAMP)  ## set up .venv and build the HTML book into _build/html
	$(PY) scripts/vendor_assets.py
	.venv/bin/jupyter-book build . -W -n --keep-going

book-fa: $(VENV_STAMP)  ## build the Persian edition into _build/html/fa (from locales/fa)
	$(PY) scripts/vendor_font.py
	$(PY) scripts/persian_edition.py build

po: $(VENV_STAMP)  ## after an English change: refresh the Persian catalogs locales/fa/**/*.po
	$(PY) scripts/persian_edition.py po

# CI: make book po book-fa check-fa test-browser (po first: a changed English paragraph
# then counts as untranslated even if nobody ran make po)
check-fa: $(VENV_STAMP)  ## after make book, po, book-fa: the Persian edition's checks
	-$(PY) scripts/persian_edition.py stat
	PERSIAN_REQUIRED=1 $(PY) -m pytest -q tests/test_persian.py

lab: $(VENV_STAMP)  ## set up .venv and open JupyterLab on notebooks/ (LAB_ARGS="--no-browser --port=8890")
	.venv/bin/jupyter lab --ServerApp.root_dir=notebooks $(LAB_ARGS)

test: $(VENV_STAMP)  ## set up .venv and run every test (lint, unit, notebooks)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest -q -n 2 tests --ignore=tests/browser \
		--ignore=tests/test_jupyterlab.py --ignore=tests/test_binder_env.py \
		--ignore=tests/test_wheel.py --ignore=tests/test_make_lab.py
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(PY) -m pytest -q -p no:python --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg -n 2 --dist loadscope notebooks \
		--ignore=notebooks/homework

test-browser: $(VENV_STAMP)  ## after make book: the built book in Chromium, JupyterLab, Binder env, wheel, make lab
	bash scripts/install_browser.sh
	BROWSER_TESTS_REQUIRED=1 $(PY) -m pytest -q -n 2 tests/browser tests/test_jupyterlab.py \
		tests/test_binder_env.py tests/test_wheel.py tests/test_make_lab.py \
		tests/test_homework.py::test_built_book_holds_no_solution_and_no_hidden_test
	$(PY) tests/browser/report_site.py _build/html | tail -3

test-fast: $(VENV_STAMP)  ## unit and property tests only (no notebooks, homework or browser)
	$(PY) -m pytest -q tests --ignore=tests/browser --ignore=tests/test_jupyterlab.py \
		--ignore=tests/test_binder_env.py --ignore=tests/test_homework.py \
		--ignore=tests/test_wheel.py --ignore=tests/test_make_lab.py

binder-size: $(VENV_STAMP)  ## measure what Binder builds: binder/ against requirements.txt (2-4 min)
	$(PY) scripts/binder_size.py

lint: $(VENV_STAMP)  ## ruff (lint and format check) on the package, tests, scripts
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

notebooks: $(VENV_STAMP)  ## re-execute every chapter notebook in place (after changing optlib)
	$(PY) scripts/execute_notebooks.py
	$(PY) scripts/notebook_twins.py
	$(PY) scripts/make_ledger.py

twins: $(VENV_STAMP)  ## rewrite the MyST twin (.md) of every chapter notebook and homework master
	$(PY) scripts/notebook_twins.py

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
