"""Scene exports: a self-contained .blend, skinned and animated .glb/.fbx (atomic, like encode.py).

Blender reports a file it cannot write as RuntimeError text; each export turns that into a
one-line PlaceError naming the output (read-only folder, full disk...)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import bpy

from ..interrupt import signals_deferred
from ..places import blender_write_error, discard
from .encode import partial_path, publish
from .render import quiet_blender


@contextlib.contextmanager
def _written_atomically(final: Path):
    """Yields the partial path for Blender to write; published as `final` when that succeeds.
    An interrupt waits for the write to end: raised inside an exporter's Python code it would
    come back as Blender's RuntimeError, a write failure that is none."""
    partial = partial_path(final)
    try:
        with quiet_blender(), signals_deferred():
            yield partial
        publish(partial, final)
    except RuntimeError as exc:
        discard(partial)
        raise blender_write_error(exc, final) from None
    except BaseException:
        discard(partial)
        raise


def save_blend(final: Path) -> Path:
    """Save the current file as a copy with every image packed (it opens anywhere)."""
    for image in bpy.data.images:
        if image.users and image.has_data and image.source in ("FILE", "GENERATED") \
                and (image.packed_file is None or image.is_dirty):
            image.pack()
    with _written_atomically(final) as partial:
        bpy.ops.wm.save_as_mainfile(filepath=str(partial), copy=True, compress=True, check_existing=False)
    return final


def export_glb(final: Path) -> Path:
    """glTF binary with skinning and the active actions sampled over the scene's frame range."""
    with _written_atomically(final) as partial:
        bpy.ops.export_scene.gltf(
            filepath=str(partial), export_format="GLB", use_selection=False,
            export_cameras=False, export_lights=False,
            export_skins=True, export_animations=True, export_animation_mode="ACTIVE_ACTIONS",
            export_frame_range=True, export_force_sampling=True, export_anim_slide_to_zero=False,
        )
    return final


def export_fbx(final: Path) -> Path:
    """FBX (for game engines): mesh, skin and the active actions baked per frame. The FBX
    exporter only carries textures wired to a Principled BSDF, so the unlit drawing material
    arrives without its image (glTF keeps it)."""
    with _written_atomically(final) as partial:
        bpy.ops.export_scene.fbx(
            filepath=str(partial), use_selection=False, object_types={"ARMATURE", "MESH"},
            add_leaf_bones=False,
            bake_anim=True, bake_anim_use_all_actions=False, bake_anim_use_nla_strips=False,
            bake_anim_simplify_factor=0.0,
        )
    return final
