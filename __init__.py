"""Animate Drawing: a Blender extension that turns a drawing of a figure into an animated character.

The repository root is the extension root. `register()`/`unregister()` import the Blender
side lazily so the pure packages (`rig`, `models`, `motions`) stay importable without bpy.
"""


def register():
    from .addon.ui import registration

    registration.register()


def unregister():
    from .addon.ui import registration

    registration.unregister()
