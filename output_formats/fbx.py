"""The rigged, animated character as FBX."""

from .format import OutputFormat


def _export(path):
    from ..addon.output import export
    return export.export_fbx(path)


FORMAT = OutputFormat("fbx", single_file=True, file_bytes=2 << 20, export=_export)
