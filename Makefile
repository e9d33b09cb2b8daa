# Two commands matter on a fresh machine: `make demo` and `make test` (both set up first).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-blender42 bench eval package clean

setup: $(STAMP)

# Re-installs only when the dependency list changes; a no-op (milliseconds) otherwise.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,train]'
	@touch $(STAMP)

demo: setup
	$(PY) -m animate_drawing.demo --out out

test: setup
	$(PY) -m pytest -q -p no:cacheprovider

# The Blender-side tests (-m blender) on bpy 4.2 LTS, the oldest supported Blender, in .venv42.
test-blender42:
	PYTHON=$(PYTHON) bash tools/test_blender42.sh

bench: setup
	$(PY) -m benchmarks.run_all

# Vision accuracy on ../shared, targets judged on the test split only; exits 1 when one is missed.
# Then face finding against the hand labels (prints the per-drawing table).
eval: setup
	$(PY) -m animate_drawing.models.training.split
	$(PY) -m animate_drawing.models.evaluate
	$(PY) -m animate_drawing.models.evaluate_faces

# One extension zip per platform in dist/ (downloads the bundled wheels once into build/wheels).
package: setup
	$(PY) build_addon.py --platform all

clean:
	rm -rf out build dist .pytest_cache
