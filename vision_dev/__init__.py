"""Development tools for the vision models, never shipped in the extension (see
blender_manifest.toml's exclusions): accuracy evaluation on ../shared (`evaluate`,
`evaluate_faces`) and the training code that makes models/*.onnx (`training/`). They may
use torch and OpenCV; nothing in the shipped package imports them."""
