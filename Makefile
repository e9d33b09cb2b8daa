# Two commands matter on a fresh machine: `make demo` and `make test` (both set up first).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-blender42 test-blender45 test-blender-matrix test-markers bench eval package clean

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

# The same on bpy 4.5 LTS, in .venv45.
test-blender45:
	PYTHON=$(PYTHON) BPY=4.5.15 bash tools/test_blender42.sh

# Debian 13's Blender 4.3 binary and bpy 5.1-5.3 (all Python 3.13) in a chroot: install the zip, the
# documented `blender -b -P cli.py` path, exit codes, EEVEE, and the Blender tests; prints a table.
# Needs root; builds the root filesystem once in /var/cache/animate-drawing (see docs/packaging.md).
test-blender-matrix:
	bash tools/blender_matrix.sh

# Every test that needs Blender carries the `blender` marker: the others must pass with bpy,
# mathutils & co. unimportable.
test-markers: setup
	ANIMATE_DRAWING_BLOCK_BLENDER=1 $(PY) -m pytest -q -p no:cacheprovider -m "not blender"

bench: setup
	$(PY) -m benchmarks.run_all

# Vision accuracy on ../shared, targets judged on the test split only; exits 1 when one is missed.
# Then face finding against the hand labels (prints the per-drawing table).
eval: setup
	$(PY) -m animate_drawing.vision_dev.training.split
	$(PY) -m animate_drawing.vision_dev.evaluate
	$(PY) -m animate_drawing.vision_dev.evaluate_faces

# One extension zip per platform in dist/ (downloads the bundled wheels once into build/wheels).
package: setup
	$(PY) build_addon.py --platform all

clean:
	rm -rf out build dist .pytest_cache
