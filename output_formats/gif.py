"""Looping GIF: one palette for the whole clip, covering the drawing's colours."""

import numpy as np

from .format import OutputFormat


def _open(path, frames):
    from ..addon.output import encode
    return encode.GifSink(path, frames.backdrop, frames.size, frames.size, frames.fps, _texture_colours(frames.objects))


def _texture_colours(objects) -> np.ndarray:
    """Opaque texel colours of the rendered meshes: what a GIF palette must cover."""
    from ..addon.build.build_material import read_image_rgba
    from ..addon.output import render

    images = {render.texture_image(ob) for ob in objects} - {None}
    textures = [read_image_rgba(image) for image in images]
    colours = [t[..., :3][t[..., 3] >= 128] for t in textures]
    return np.concatenate(colours) if colours else np.zeros((0, 3), np.uint8)


FORMAT = OutputFormat("gif", single_file=True, bytes_per_pixel=0.25, open_sink=_open)
