"""MP4 (H.264) video: rendered frames streamed to Blender's FFmpeg; its encoder drives the render loop."""

from .format import OutputFormat


def _open(path, frames):
    from ..addon.output import encode
    return encode.Mp4Sink(path, frames.backdrop, frames.size, frames.size, frames.fps)


FORMAT = OutputFormat("mp4", single_file=True, bytes_per_pixel=0.05, open_sink=_open)
