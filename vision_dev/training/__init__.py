"""Training of the shipped vision models (torch; never shipped in the extension).

Synthetic drawings (`synth_figure`, `synth_page`) → samples (`samples`) → nets (`nets`)
→ `train` (checkpoint/resume) → `export` (ONNX + sidecar) → `evaluate_synthetic`.
"""
