# The lab's commands. Each target bootstraps what it needs on a fresh clone (python3 with venv is enough).
#   make run    every notebook x parameter set, headless, into outputs/ (the lab's main job)
#   make test   quality gates (bandit, secret scan, import layers), then one pytest run under coverage: the
#               library tests and nbval over every executed notebook in outputs/, then the coverage floor
#   make test REDIS_URL=redis://127.0.0.1:6379/0   the same against a real redis-server
#   make cluster [REPLICAS=1]   a Redis Cluster of three primaries on 127.0.0.1:7000-7002 (Debian's redis-server;
#               files in build/cluster, `make cluster-stop`); then REDIS_URL=redis://127.0.0.1:7000/0
#               REDIS_CLUSTER=1 runs anything above on it
#   make lab    JupyterLab on the lab's kernel
#   make docs   the docs site in site/: the guide (docs/guide/) and outputs/, nothing executed (make docs-serve:
#               on 127.0.0.1:8000)
#   make bench  rate-limit, matrix, Telegram and Stripe fake, hostile-input and load benchmarks
#   make load   10,000 buyers' whole journeys in one process, then the invariants (BUYERS=… FAULTS=… SEED=…);
#               ends with `journeys=… seconds=… p95_ms=… rss_mb=… violations=…`
#   make load-http USERS=1000 SECONDS=60 [APPS=2] [THINK=2-5]   buyers over HTTP with Locust against the three
#               servers (APPS: `serve app` processes on one address and one redis-server, or the REDIS_URL
#               given), then the invariants; ends with `users=… requests=… failures=… p95_ms=… violations=…`

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
KERNEL := $(VENV)/share/jupyter/kernels/integration-lab/kernel.json
JOBS   ?= 2
# runs at a time in `make run`; empty: one more than the cores (the CLI's default)
RUN_JOBS ?=
# one shard of the matrix, i/n (a CI matrix job's share): `make run` runs its runs, `make test-notebooks` checks
# their notebooks; empty: all of them
SHARD ?=
# Coverage floors of lib/ (percent), over the library tests, the server processes they start and the kernels nbval
# runs the notebooks in.
COV_LINE   ?= 90
COV_BRANCH ?= 85
COV_DIR    := build/coverage

ifdef REDIS_URL
export REDIS_URL
endif
ifdef REDIS_CLUSTER
export REDIS_CLUSTER
endif

.PHONY: cluster cluster-stop setup run test browser check bandit secrets imports secrets-baseline test-lib test-lib-redis test-notebooks lab bench load load-http docs docs-serve clean

setup: $(KERNEL)

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

# The kernel lives inside the venv (--sys-prefix), never in the user's home; every notebook pins it.
$(KERNEL): $(VENV)/.installed
	$(PY) -m ipykernel install --sys-prefix --name integration-lab \
		--display-name "Integration lab (Python $(shell $(PY) -c 'import sys; print("%d.%d" % sys.version_info[:2])'))"

run: setup
	$(PY) -m integration_lab run $(if $(RUN_JOBS),--jobs $(RUN_JOBS)) $(if $(SHARD),--shard $(SHARD))

test: browser check test-lib

# The browser tests (tests/browser/) drive Debian's chromium with Playwright (whose own browser download is
# not reachable here), and one test runs stripe-node (tests/node/, `npm ci`): chromium, nodejs and npm are
# installed with apt when missing and we may (root); otherwise the tests say what to install.
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "note: no chromium; the browser tests will be skipped (install it: sudo apt-get install chromium)"
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; } || \
	  echo "note: no node/npm; the stripe-node test will be skipped (install them: sudo apt-get install nodejs npm)"

check: bandit secrets imports

# The layers (pyproject.toml, [tool.importlinter]): runtime at the bottom; fakes and app on it and apart; no
# pandas, matplotlib or ipywidgets in app/. A broken contract names the import chain that breaks it.
imports: setup
	$(VENV)/bin/lint-imports --no-cache

# bandit over lib/; every accepted finding carries `# nosec BXXX  # why`, and .ci/gates.py checks the why.
bandit: setup
	$(VENV)/bin/bandit -r lib -q
	$(PY) .ci/gates.py nosec lib

# detect-secrets over notebooks/ and outputs/; .secrets.baseline holds only audited false positives.
secrets: setup
	$(PY) .ci/gates.py secrets --baseline .secrets.baseline notebooks outputs

# Refresh the baseline with what is found now (audits kept; images are never secrets); a new entry fails
# `make secrets` until someone audits it: `.venv/bin/detect-secrets audit .secrets.baseline`.
secrets-baseline: setup
	$(VENV)/bin/detect-secrets scan --baseline .secrets.baseline --exclude-lines '^\s*"image/(png|jpeg|gif)": "' notebooks outputs

# nbval's kernels are forked from the kernel fork server `make run` uses (a fresh process per notebook, nothing run
# before its first cell; lib/integration_lab/matrix/nbval_forks.py); full comparison, not --nbval-lax.
NBVAL := --nbval -p integration_lab.matrix.nbval_forks
# xdist: a test module, or a notebook's cells, go to one worker together (a notebook's cells share its kernel).
XDIST := -n $(JOBS) --dist loadscope

# The library tests and nbval over outputs/ in one pytest run under coverage, then the floor. coverage's
# `patch = subprocess, fork` (pyproject.toml) also measures xdist workers, `serve` processes and the kernels nbval
# runs the notebooks in, so every notebook's run counts towards lib/'s coverage (nbval stops a forked kernel
# with SIGTERM first when measured, so it saves its data).
test-lib: setup
	rm -rf $(COV_DIR)
	$(VENV)/bin/coverage run -m pytest tests outputs $(NBVAL) $(XDIST) -q
	$(VENV)/bin/coverage combine -q
	$(VENV)/bin/coverage json -q -o $(COV_DIR)/coverage.json
	$(PY) .ci/gates.py coverage $(COV_DIR)/coverage.json --line $(COV_LINE) --branch $(COV_BRANCH)

# CI's second pass, on a real redis-server (.ci/run sets REDIS_URL): the library tests that can reach Redis
# (modules marked redis_free are left out); coverage is measured once, on the first pass. The notebooks meet the
# real server in `make run` (CI then checks outputs/ unchanged) and a Redis Cluster in `make test-notebooks`.
test-lib-redis: setup
	LAB_REDIS_PASS=1 $(PY) -m pytest tests $(XDIST) -q -p no:cacheprovider

# nbval alone (make test-lib runs it too); SHARD=i/n: the notebooks `make run SHARD=i/n` writes.
test-notebooks: setup
	$(PY) -m pytest outputs $(NBVAL) $(XDIST) -p no:cacheprovider -q $(if $(SHARD),--lab-shard $(SHARD))

# On 127.0.0.1 only; as root (a container, a CI box) Jupyter refuses to start without --allow-root.
LAB_FLAGS := --notebook-dir=. --ip=127.0.0.1 $(if $(filter 0,$(shell id -u)),--allow-root)
lab: setup
	$(VENV)/bin/jupyter lab $(LAB_FLAGS)

# The docs site: the guide (docs/guide/, CONTRIBUTING.md) and outputs/ as static pages in site/ (git-ignored),
# rendered without executing anything; docs-serve serves it on http://127.0.0.1:$(DOCS_PORT)/
# (make docs-serve DOCS_PORT=8001).
DOCS_PORT ?= 8000
docs: setup
	$(PY) -m integration_lab.docs --out site --jobs $(JOBS)

docs-serve: docs
	$(PY) -m integration_lab.docs serve --dir site --port $(DOCS_PORT)

bench: setup
	$(PY) benchmarks/bench_rate_limits.py
	$(PY) benchmarks/bench_matrix.py
	$(PY) benchmarks/bench_telegram.py
	$(PY) benchmarks/bench_saturation.py
	$(PY) benchmarks/bench_stripe.py
	$(PY) benchmarks/bench_hostile.py
	$(PY) benchmarks/bench_stripe_memory.py
	$(PY) benchmarks/bench_resilience.py
	$(PY) benchmarks/bench_load.py --buyers 2000

# In-process (python -m integration_lab load): our real code and the fakes on the lab clock, on fakeredis, or
# on the redis-server $REDIS_URL names.
BUYERS ?= 10000
FAULTS ?=
SEED   ?= 0
load: setup
	$(PY) -m integration_lab load --buyers $(BUYERS) --seed $(SEED) $(if $(FAULTS),--faults $(FAULTS))

# Locust's users drive serve telegram, serve stripe and serve app (started on free loopback ports); the files of
# each run (Locust's CSV and log, the buyers' journal, the servers' stderr) go to build/load-http/<time>/.
USERS   ?= 1000
SECONDS ?= 60
APPS    ?= 1
THINK   ?=
load-http: setup
	$(PY) -m integration_lab.load.over_http --users $(USERS) --seconds $(SECONDS) --apps $(APPS) \
		$(if $(THINK),--think $(THINK)) $(if $(REDIS_URL),--redis-url $(REDIS_URL))

# A Redis Cluster on loopback: three primaries (REPLICAS=1: and a replica each), until `make cluster-stop`.
CLUSTER_PORT ?= 7000
CLUSTER_DIR  ?= build/cluster
REPLICAS     ?= 0
cluster: setup
	$(PY) -m integration_lab cluster start --port $(CLUSTER_PORT) --replicas $(REPLICAS) --dir $(CLUSTER_DIR)

cluster-stop: setup
	$(PY) -m integration_lab cluster stop --dir $(CLUSTER_DIR)

clean:
	rm -rf $(VENV) .pytest_cache
