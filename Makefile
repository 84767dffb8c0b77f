# The two set-up commands of the README: `make run` and `make test`. Both start from nothing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run serve-production test lint browser clean model baseline mypy-without-extra

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[train,test]'
	touch $@

# The upgrade step (schema, catalog, secret key) runs once, as it would before several server
# processes; the server then only connects. One process, the development server.
run: $(VENV)/.installed-app
	$(BIN)/moodtunes db upgrade
	$(BIN)/moodtunes serve --no-upgrade --host $(HOST) --port $(PORT)

# Production: gunicorn's threaded workers (docs/SECURITY.md, "Production serving").
WORKERS ?= 2
serve-production: $(VENV)/.installed-app
	$(BIN)/moodtunes db upgrade
	$(BIN)/moodtunes serve --no-upgrade --workers $(WORKERS) --host $(HOST) --port $(PORT)

# Debian's chromium and chromium-driver for the real-browser tests (never `playwright install`).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver \
	    || echo "warning: could not install chromium; the browser tests will be skipped"; \
	fi

# The tests run on SQLite and on a throwaway PostgreSQL that .ci/with-postgres starts
# (Debian's postgresql, installed with apt when missing; 127.0.0.1 only, a free port) and
# stops when pytest ends, passed or failed.
test: $(VENV)/.installed-test browser
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	.ci/with-postgres $(BIN)/pytest -q

# The shipped model's full recipe (docs/MODEL.md), 2 h 42 min on 2 CPU cores (66 epochs of
# 129-161 s): 36 epochs of one-cycle training, then two warm restarts with weight averaging (18
# epochs from the last weights, 12 from the second stage's best). The result gets BatchNorm
# statistics of unaugmented faces and is exported, parity-checked, quantized and copied into
# the package. Every stage resumes when interrupted: run it again.
RUNS ?= runs
model: $(VENV)/.installed-test
	$(BIN)/moodtunes train --arch vgg_small --epochs 36 --ema 0.998 --erase 0.5 \
	  --out $(RUNS)/vgg_small-e36 --quiet --no-export
	$(BIN)/moodtunes train --arch vgg_small --init-from $(RUNS)/vgg_small-e36/last.ckpt \
	  --epochs 18 --lr 1.5e-3 --pct-start 0.15 --ema 0.998 --seed 1 \
	  --out $(RUNS)/vgg_small-r18 --quiet --no-export
	$(BIN)/moodtunes train --arch vgg_small --init-from $(RUNS)/vgg_small-r18/best.ckpt \
	  --epochs 12 --lr 1e-3 --pct-start 0.15 --ema 0.998 --seed 2 \
	  --out $(RUNS)/vgg_small-r12 --quiet --ship

# The paper's CNN with the paper's own schedule: Adam at a fixed 1e-4, batch 64, no augmentation.
baseline: $(VENV)/.installed-test
	$(BIN)/moodtunes train --arch paper_cnn --epochs 50 --batch-size 64 --optimizer adam \
	  --schedule constant --lr 1e-4 --weight-decay 0 --label-smoothing 0 --no-augment \
	  --out $(RUNS)/paper_cnn-paper --quiet

# mypy where the training extra (torch, onnx, matplotlib) is not installed, as for the app alone.
CORE_VENV ?= build/venv-core
$(CORE_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(CORE_VENV)
	$(CORE_VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

mypy-without-extra: $(CORE_VENV)/.installed
	$(CORE_VENV)/bin/mypy --cache-dir $(CORE_VENV)/.mypy_cache

clean:
	rm -rf $(VENV) $(CORE_VENV) .pytest_cache .mypy_cache .ruff_cache
