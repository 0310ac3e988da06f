# The two commands of README.md:  `make book` builds the book, `make test` runs every test.
# Each creates (or reuses) the virtual environment .venv and installs what it needs itself.

PYTHON      ?= python3
VENV        ?= .venv
# Exact versions for a reproducible build; `make CONSTRAINTS= test` installs from the lower bounds
# in pyproject.toml instead.
CONSTRAINTS ?= .ci/constraints.txt
PROFILE     ?= standard
PYTEST_ARGS ?=

BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Kernels started by Jupyter Book, nbval and otter must find the venv's python first.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: book test notebooks exercises timings clean help

help:
	@echo "make book       build the book into _build/html (profile: $(PROFILE), offline data)"
	@echo "make test       run all tests (package, graders, notebooks via nbval, built book)"
	@echo "make notebooks  regenerate book/*.ipynb from their MyST twins in book/md/"
	@echo "make exercises  regenerate the student notebooks and autograder zips (otter assign)"
	@echo "make timings    print each chapter's execution time in the $(PROFILE) profile"

$(STAMP): pyproject.toml $(wildcard $(CONSTRAINTS))
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		$(if $(CONSTRAINTS),--constraint $(CONSTRAINTS)) --editable ".[dev]"
	touch $@

# Jupyter Book's execution cache (_build/.jupyter_cache) knows a notebook by its code only, but
# the outputs also depend on the profile, the package and the pinned versions: when any of them
# changes, the cache is emptied so that no page shows results of other code.
CACHE_KEY_FILE := _build/.execution-cache-key

book: $(STAMP)
	@mkdir -p _build; \
	key=$$( { echo "profile=$(PROFILE)"; \
	  find gancourse pyproject.toml $(CONSTRAINTS) -type f -not -path '*__pycache__*' \
	    | LC_ALL=C sort | xargs cat; } | sha256sum | cut -c1-16); \
	if [ "$$(cat $(CACHE_KEY_FILE) 2>/dev/null)" != "$$key" ]; then \
	  rm -rf _build/.jupyter_cache; echo "$$key" > $(CACHE_KEY_FILE); \
	  echo "execution cache emptied: new profile, package or versions (key $$key)"; \
	fi
	# No live progress bars in the static book: tqdm widgets need require.js from a CDN. The
	# training loops print a summary line instead.
	GANCOURSE_PROFILE=$(PROFILE) TQDM_DISABLE=1 $(BIN)/jupyter-book build . --warningiserror --keep-going
	@echo "The book is in _build/html/index.html"

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

notebooks: $(STAMP)
	$(BIN)/python tools/sync_notebooks.py

exercises: $(STAMP)
	$(BIN)/python exercises/build.py

timings: $(STAMP)
	$(BIN)/python tools/time_chapters.py --profile $(PROFILE)

clean:
	rm -rf _build .pytest_cache
