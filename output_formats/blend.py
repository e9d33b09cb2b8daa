"""The animated scene as a .blend file (texture packed)."""

from .format import OutputFormat


def _export(path):
    from ..addon.output import export
    return export.save_blend(path)


FORMAT = OutputFormat("blend", single_file=True, file_bytes=4 << 20, export=_export)
