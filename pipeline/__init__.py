"""The one pipeline: analyse → plan → build → motion → output, written once.

    run       the stage driver: `Stage`, `run_stages` (progress and cancel hooks, timings)
    stages    (pure) analyse and plan: drawing or character folder → `PageCast`
    cast      (pure) the cast: each figure's RigPlan, placement and body kind
    plan      (pure) one figure or character folder → `RigPlan`; the stored review applied
    features  (pure) the rig features beyond the body (the face), planned from the body's plan
    review_edits, default_face  (pure) the review's hand edits: markers moved, a face added or removed

The Blender stages (build, motion, output) are in `addon.stages` and take the plain data these
produce; `addon.jobs.Job` runs the same stage lists behind Blender's interface. See
docs/ARCHITECTURE.md ("Pipeline", "Rig features").
"""
