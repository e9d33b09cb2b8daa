"""The per-character data model stored in the .blend.

`Object.animate_drawing` on a character's armature remembers where the character came from
(source path, the CharacterConfig as JSON with its joints, mesh density, the pixel→world
mapping) and which objects and images belong to it, so `rebuild_rig`, retargeting and the UI
find everything from the armature alone. `Scene.animate_drawing_analysis` holds the last
drawing analysis for review before a character is built.
"""

from __future__ import annotations

import json

import bpy
from bpy.props import (
    BoolProperty,
    BoolVectorProperty,
    CollectionProperty,
    EnumProperty,
    FloatProperty,
    FloatVectorProperty,
    IntProperty,
    PointerProperty,
    StringProperty,
)

from ...models.page_figures import MAX_FIGURES
from .clip_previews import PAGE_CLIP, figure_clip_items

REGISTER_PRIORITY = 0  # panels and operators refer to these groups


class AnimateDrawingCharacter(bpy.types.PropertyGroup):
    """Stored on the armature object of every character built by the extension."""

    is_character: BoolProperty(name="Is Character", default=False,
                               description="This armature is an Animate Drawing character")
    character_name: StringProperty(name="Character", description="Name of the character (its collection)")
    source_path: StringProperty(
        name="Source", subtype="FILE_PATH",
        description="AnimatedDrawings character folder or drawing image the character was built from",
    )
    config_json: StringProperty(name="Config", description="CharacterConfig (size and joints in pixels) as JSON")
    body: StringProperty(name="Body", default="biped",
                         description="biped, quadruped, extra_limbs or limbless: which joints follow a motion clip")
    density: FloatProperty(name="Mesh Density", default=1.0, min=0.1, max=10.0,
                           description="Mesh detail the character was built with (more = smoother bends, "
                                       "slower); kept when the rig is rebuilt")
    scale: FloatProperty(name="Scale", description="World units per texture pixel", default=1.0)
    origin_uv: FloatVectorProperty(name="Origin", size=2, description="Texture pixel at the world origin")
    mesh_object: PointerProperty(name="Mesh", type=bpy.types.Object,
                                 description="The character's skinned drawing mesh")
    camera_object: PointerProperty(name="Camera", type=bpy.types.Object,
                                   description="Front camera framing the character")
    texture_image: PointerProperty(name="Texture", type=bpy.types.Image,
                                   description="The drawing cut out around the figure, shown on the mesh")
    mask_image: PointerProperty(name="Mask", type=bpy.types.Image,
                                description="Which texture pixels belong to the figure (white); "
                                            "repaint it and rebuild the rig to change the outline")
    face_object: PointerProperty(name="Face", type=bpy.types.Object,
                                 description="The face rig: eyelids, pupils and mouth driven by the "
                                             "armature's blink, smile, mouth_open and gaze controls")
    face_notes: StringProperty(name="Face Notes", description="JSON list: what of the face could not be rigged")
    edited_face_json: StringProperty(
        name="Edited Face",
        description="JSON: the eyes and mouth placed by hand in the review (texture pixels), which a "
                    "rebuild rigs again; empty = the face found on the drawing")


class AnimateDrawingFigureChoice(bpy.types.PropertyGroup):
    """What the review's row of one figure chose for it, beside its checkbox."""

    clip: EnumProperty(name="Figure Motion", items=figure_clip_items, default=0,
                       description="The clip this figure moves with on Accept (Page's Clip: the one "
                                   "chosen for the whole page)")


class AnimateDrawingAnalysis(bpy.types.PropertyGroup):
    """Result of `animate_drawing.analyze`, kept for review and for `animate`."""

    image_path: StringProperty(name="Image", subtype="FILE_PATH", description="The analysed drawing")
    figures_json: StringProperty(
        name="Figures",
        description="JSON list of {box, score, joints, joint_conf, face} per figure (image pixels), most "
                    "person-like first",
    )
    figure_index: IntProperty(name="Figure", default=0, min=0,
                              description="Which found figure the review shows on top, with its joint confidences "
                                          "(0 = the most person-like)")
    include_figures: BoolVectorProperty(name="Include", size=MAX_FIGURES, default=(True,) * MAX_FIGURES,
                                        description="Which found figures to build (the review's checkboxes)")
    joints_edited: BoolProperty(name="Joints Edited", default=False,
                                description="The joints were corrected by hand; use them instead of re-detecting")
    face_edited: BoolProperty(name="Face Edited", default=False,
                              description="The eyes or mouth were moved by hand; rig them where they were put")
    figure_choices: CollectionProperty(type=AnimateDrawingFigureChoice, name="Figure Choices",
                                       description="Each found figure's own choices (its clip), in figure order")

    @property
    def figures(self) -> list[dict]:
        return json.loads(self.figures_json) if self.figures_json else []

    @property
    def included(self) -> list[int]:
        """Indices of the figures whose box is ticked."""
        return [k for k in range(len(self.figures)) if self.include_figures[k]]

    def clip_of(self, index: int) -> str:
        """Figure `index`'s own clip; "" when it moves with the page's clip."""
        clip = self.figure_choices[index].clip if index < len(self.figure_choices) else PAGE_CLIP
        return "" if clip == PAGE_CLIP else clip


CLASSES = (AnimateDrawingCharacter, AnimateDrawingFigureChoice, AnimateDrawingAnalysis)


def register_module() -> None:
    bpy.types.Object.animate_drawing = PointerProperty(type=AnimateDrawingCharacter)
    bpy.types.Scene.animate_drawing_analysis = PointerProperty(type=AnimateDrawingAnalysis)


def unregister_module() -> None:
    for owner, name in ((bpy.types.Object, "animate_drawing"), (bpy.types.Scene, "animate_drawing_analysis")):
        if hasattr(owner, name):
            delattr(owner, name)


def character_armature(obj: bpy.types.Object | None) -> bpy.types.Object | None:
    """The character armature an object belongs to: itself, or the armature parent of its mesh."""
    while obj is not None:
        if obj.type == "ARMATURE" and obj.animate_drawing.is_character:
            return obj
        obj = obj.parent
    return None


def scene_characters(scene) -> list[bpy.types.Object]:
    """The character armatures in `scene`, by name."""
    return sorted((obj for obj in scene.objects if character_armature(obj) is obj), key=lambda o: o.name)


def active_character(context) -> bpy.types.Object | None:
    """The armature of the character the user is working on (from the active object)."""
    return character_armature(getattr(context, "active_object", None))
