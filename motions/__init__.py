"""Motion: BVH clips → 2D bone animation for drawn characters (pure numpy, no bpy).

* `bvh`      – parse / write BVH, forward kinematics (`load_bvh`, `BvhClip.world_positions`)
* `mapping`  – skeleton presets (JSON in `presets/`), auto-mapping, up/forward detection
* `retarget` – twisted-perspective 3D → 2D retargeting (`retarget`, `RetargetOptions`)
* `library`  – the shipped clips in `clips/` (`list_clips`, `resolve_motion`)
* `authoring` – regenerates `clips/*.bvh` (`python -m animate_drawing.motions.authoring`)
"""

from .bvh import BvhClip, BvhJoint, load_bvh, parse_bvh, write_bvh
from .library import list_clips, resolve_motion
from .mapping import OUR_JOINTS, auto_map, detect_up_forward, load_preset, save_preset
from .retarget import RetargetOptions, RetargetResult, pose_2d, retarget

__all__ = [
    "BvhClip", "BvhJoint", "load_bvh", "parse_bvh", "write_bvh", "list_clips", "resolve_motion",
    "OUR_JOINTS", "auto_map", "detect_up_forward", "load_preset", "save_preset",
    "RetargetOptions", "RetargetResult", "pose_2d", "retarget",
]
