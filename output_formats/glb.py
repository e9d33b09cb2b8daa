"""The rigged, animated character as binary glTF (.glb)."""

from .format import OutputFormat


def _export(path):
    from ..addon.output import export
    return export.export_glb(path)


FORMAT = OutputFormat("glb", single_file=True, file_bytes=2 << 20, export=_export)
