"""The one pipeline: analyse → plan → build → motion → output, written once.

    plan      (pure) drawing → `DrawingAnalysis` → `RigPlan`, or character folder → `RigPlan`;
              the stored review applied (`apply_review`)
    motion    (pure) `--motion` text → `Motion` (a joint track from a registered source)

The Blender stages (build: `addon.character.build_character`; motion onto the armature:
`addon.motion.retarget_clip`; output: `addon.batch_item.write_outputs` and the format
registry in `outputs/`) take the plain data these produce. Callers wrap the stages in their own
driver: the operators in `addon.jobs` stages (worker thread for pure stages, main thread for
Blender ones, cancel between stages), the batch driver and the CLI in one process per item.
See docs/ARCHITECTURE.md ("Pipeline") for where a rig feature or a new source plugs in.
"""
