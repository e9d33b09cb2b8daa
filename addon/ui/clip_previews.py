"""Thumbnails for the motion library picker.

Each library clip has a picture `motions/previews/<clip>.png`: the bundled example drawing
in the clip's most telling pose, rendered once by the project (`python -m
animate_drawing.addon.ui.clip_previews`) and shipped. Blender loads them lazily into one
`bpy.utils.previews` collection; a clip without a picture shows a generic icon.
"""

from __future__ import annotations

from pathlib import Path

import bpy
import bpy.utils.previews

from ...motions.library import list_clips

PREVIEW_DIR = Path(__file__).resolve().parents[2] / "motions" / "previews"
FALLBACK_ICON = "ARMATURE_DATA"

_collection = None
_enum_items: list[tuple] = []  # Blender keeps pointers into dynamic enum items: keep them alive
_figure_items: list[tuple] = []
PAGE_CLIP = "PAGE"             # a review figure's clip choice: whatever the page moves with


def preview_path(clip_name: str) -> Path:
    return PREVIEW_DIR / f"{clip_name}.png"


def icon_id(clip_name: str) -> int:
    """The clip's thumbnail icon, 0 when it has none."""
    if _collection is None:
        return 0
    if clip_name not in _collection:
        path = preview_path(clip_name)
        if not path.is_file():
            return 0
        _collection.load(clip_name, str(path), "IMAGE")
    return _collection[clip_name].icon_id


def clip_enum_items(clips, first_number: int = 0) -> list[tuple]:
    """EnumProperty items (id, label, tooltip, icon, number) for `(name, label, description)` clips."""
    return [(name, label, description, icon_id(name) or FALLBACK_ICON, first_number + index)
            for index, (name, label, description) in enumerate(clips)]


def _library_clips() -> list[tuple[str, str, str]]:
    return [(clip_id, label, f"Library clip “{label}”") for clip_id, label, _path in list_clips()]


def library_items(_self=None, _context=None) -> list[tuple]:
    """The library as picker items: the clip's id, its label, a tooltip, its thumbnail."""
    _enum_items[:] = clip_enum_items(_library_clips())
    return _enum_items


def figure_clip_items(_self=None, _context=None) -> list[tuple]:
    """A review figure's clip choices: the page's clip (the default), then the library."""
    _figure_items[:] = [(PAGE_CLIP, "Page's Clip", "Move with the clip chosen for the whole page", "LINKED", 0),
                        *clip_enum_items(_library_clips(), first_number=1)]
    return _figure_items


def register_module() -> None:
    global _collection
    _collection = bpy.utils.previews.new()
    bpy.types.WindowManager.animate_drawing_clip = bpy.props.EnumProperty(
        name="Motion Clip", items=library_items,
        description="Motion clip from the library, shown on a drawn character")


def unregister_module() -> None:
    global _collection
    del bpy.types.WindowManager.animate_drawing_clip
    if _collection is not None:
        bpy.utils.previews.remove(_collection)
        _collection = None
