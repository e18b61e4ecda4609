# The lab's commands. Each target bootstraps what it needs on a fresh clone (python3 with venv is enough).
#   make run    every notebook x parameter set, headless, into outputs/ (the lab's main job)
#   make test   library tests, then nbval over every executed notebook in outputs/
#   make test REDIS_URL=redis://127.0.0.1:6379/0   the same against a real redis-server
#   make lab    JupyterLab on the lab's kernel
#   make bench  rate-limit, matrix, Telegram and Stripe fake benchmarks

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
KERNEL := $(VENV)/share/jupyter/kernels/integration-lab/kernel.json
JOBS   ?= 2

ifdef REDIS_URL
export REDIS_URL
endif

.PHONY: setup run test test-lib test-notebooks lab bench clean

setup: $(KERNEL)

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

# The kernel lives inside the venv (--sys-prefix), never in the user's home; every notebook pins it.
$(KERNEL): $(VENV)/.installed
	$(PY) -m ipykernel install --sys-prefix --name integration-lab --display-name "Integration lab (Python 3.11)"

run: setup
	$(PY) -m integration_lab run --jobs $(JOBS)

test: test-lib test-notebooks

test-lib: setup
	$(PY) -m pytest tests -n $(JOBS) -q

# Full comparison (not --nbval-lax); one xdist group per notebook file.
test-notebooks: setup
	$(PY) -m pytest --nbval outputs -n $(JOBS) --dist loadfile -p no:cacheprovider -q

lab: setup
	$(VENV)/bin/jupyter lab --notebook-dir=.

bench: setup
	$(PY) benchmarks/bench_rate_limits.py
	$(PY) benchmarks/bench_matrix.py
	$(PY) benchmarks/bench_telegram.py
	$(PY) benchmarks/bench_stripe.py
	$(PY) benchmarks/bench_hostile.py

clean:
	rm -rf $(VENV) .pytest_cache
