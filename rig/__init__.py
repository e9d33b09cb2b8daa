"""Pure rigging (no bpy): AnimatedDrawings character files, mask → mesh, bones, skin weights,
and the `RigPlan` that the Blender builders turn into objects.

    (char_cfg.yaml I/O lives in formats/char_cfg; `CharacterConfig`, `Joint` re-exported here)
    character  character folders (texture.png, mask.png, char_cfg.yaml)
    mesh       mask → triangle mesh with joints as vertices
    skeleton   joints → `BonePlan` list
    weights    geodesic skin weights and body-part labels
    plan       `RigPlan`, `build_rig_plan`
"""

from ..formats.char_cfg import CharacterConfig, Joint
from .plan import RigPlan, build_rig_plan
from .skeleton import BonePlan

__all__ = ["BonePlan", "CharacterConfig", "Joint", "RigPlan", "build_rig_plan"]
