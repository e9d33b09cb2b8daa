"""Output formats, one module each; `FORMATS` is the registry every caller reads.

    mp4, gif, png   rendered frames, each a sink fed every frame once
    blend, glb, fbx the finished scene exported to one file

A new format is one module defining `FORMAT = OutputFormat(...)` (format.py) and one entry
below: `--format`, the single-file OUT rule, the free-space estimate and the batch writer
(`addon/batch/batch_item.write_outputs`) follow from it. Facts are pure; the Blender work is imported
inside the format's functions.
"""

from . import blend, fbx, gif, glb, mp4, png
from .format import FrameSettings, OutputFormat

# In the order --help lists them.
FORMATS: dict[str, OutputFormat] = {f.name: f for f in (mp4.FORMAT, gif.FORMAT, png.FORMAT,
                                                        blend.FORMAT, glb.FORMAT, fbx.FORMAT)}

__all__ = ["FORMATS", "FrameSettings", "OutputFormat"]
