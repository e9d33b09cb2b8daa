"""Vision: drawing photo → figures (box, mask, 16 joints), without Blender.

Entry points: `analyze.analyze_image(path, AnalysisSettings)` → `DrawingAnalysis`,
`analyze.figure_to_character(analysis, index)` → (texture RGBA, mask, CharacterConfig, bbox),
`annotate.annotate(image, out_dir)` → AnimatedDrawings character folders, and
`python -m animate_drawing.vision_dev.evaluate` for the accuracy table.

Layers: `image_io` (robust loading) → `runtime` (providers, sessions, sidecar specs) →
`decoders` (raw outputs → boxes/keypoints/masks) → `detector` / `segmenter` / `pose` (one
class per model, classical fallbacks) → `model_set` (custom → shipped → classical) → `analyze`.
Shipped models are `models/*.onnx` with a `*.json` sidecar each (found by glob);
`vision_dev/training/` makes them and is never shipped.
"""
