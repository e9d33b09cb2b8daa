"""PNG frames: a folder with one RGBA PNG per frame (transparent where no backdrop is drawn)."""

from .format import OutputFormat


def _open(path, frames):
    from ..addon.output import encode
    return encode.PngSequenceSink(path, frames.backdrop)


FORMAT = OutputFormat("png", single_file=False, bytes_per_pixel=0.6, open_sink=_open)
