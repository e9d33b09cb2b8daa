"""`animate_drawing.rebuild_rig`: re-skin the active character after the user moved bones
(edit mode) or repainted its mask image, keeping the armature, its Actions and NLA."""

from __future__ import annotations

import bpy

from ..addon.build.character import rebuild_character
from ..addon.ui.properties import active_character
from ._common import progress, run_reported


class ANIMATE_DRAWING_OT_rebuild_rig(bpy.types.Operator):
    bl_idname = "animate_drawing.rebuild_rig"
    bl_label = "Rebuild Rig"
    bl_description = ("Rebuild the mesh and skin weights from the current joint (bone head) positions "
                      "and the current mask image; animation is kept")
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        return active_character(context) is not None

    def execute(self, context):
        armature = active_character(context)

        def work():
            with progress(context, 1) as advance:
                plan = rebuild_character(context, armature)
                advance()
            return f"Rebuilt {armature.animate_drawing.character_name}: {len(plan.triangles)} triangles"
        return run_reported(self, work)


CLASSES = (ANIMATE_DRAWING_OT_rebuild_rig,)
