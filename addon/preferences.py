"""Add-on preferences and `get_preferences()`, the one way other code reads them.

Blender keys add-on preferences by the top-level package name, which is `animate_drawing`
when installed as a legacy add-on or from a checkout and `bl_ext.<repo>.animate_drawing`
when installed as an extension, so the id is computed, never written out.

`get_preferences()` returns plain values (`PreferenceValues`) and falls back to the defaults
when the preferences are not there (bpy-module batch runs register the classes without an
add-on entry in `context.preferences.addons`), so callers never branch on it.
"""

from __future__ import annotations

import dataclasses
import os

import bpy
from bpy.props import BoolProperty, EnumProperty, FloatProperty, IntProperty, StringProperty

from ..motions.library import list_clips

ADDON_ID = __package__.rpartition(".addon")[0]

REGISTER_PRIORITY = 10  # before panels, which read the preferences while drawing

PROVIDERS = (
    ("AUTO", "Auto", "Use the fastest execution provider onnxruntime has on this computer"),
    ("CPU", "CPU", "Run the models on the CPU (works everywhere)"),
    ("CUDA", "CUDA", "Run the models on an NVIDIA GPU (needs onnxruntime-gpu)"),
    ("DIRECTML", "DirectML", "Run the models on a DirectX 12 GPU on Windows (needs onnxruntime-directml)"),
    ("COREML", "CoreML", "Run the models with Apple CoreML on macOS"),
)
RENDER_ENGINES = (
    ("CYCLES", "Cycles", "Works without a GPU; exact drawing colours with one sample"),
    ("BLENDER_WORKBENCH", "Workbench", "Fast preview renders; needs OpenGL"),
    ("BLENDER_EEVEE", "EEVEE", "Real-time engine; needs a GPU with OpenGL"),
)
RENDER_FORMATS = (
    ("MP4", "MP4 video", "H.264 video"),
    ("GIF", "Animated GIF", "Looping GIF"),
    ("PNG", "PNG frames", "One PNG per frame, with transparency if enabled"),
)


@dataclasses.dataclass(frozen=True)
class PreferenceValues:
    """Plain copies of the preferences; these defaults are also the properties' defaults."""

    execution_provider: str = "auto"  # models.runtime.choose_providers() names
    threads: int = 0  # 0 = let onnxruntime decide
    detector_model: str = ""  # custom ONNX paths; "" = the shipped model
    segmenter_model: str = ""
    pose_model: str = ""
    mesh_density: float = 1.0
    review_before_rigging: bool = False  # one click by default; review is one button away
    default_clip: str = ""  # library clip name; "" = the library's first clip
    render_resolution: int = 512
    render_fps: int = 30
    render_engine: str = "CYCLES"
    render_format: str = "MP4"
    render_transparent: bool = False

    @property
    def custom_models(self) -> dict[str, str]:
        """Task → custom ONNX path, only for the tasks the user overrode."""
        paths = {"detection": self.detector_model, "segmentation": self.segmenter_model,
                 "pose": self.pose_model}
        return {task: path for task, path in paths.items() if path}


DEFAULTS = PreferenceValues()


def _model_path_property(task: str) -> StringProperty:
    return StringProperty(
        name=f"{task.capitalize()} model",
        description=(f"Custom ONNX {task} model to use instead of the shipped one; "
                     "its .json sidecar must sit next to it. Empty: the shipped model"),
        subtype="FILE_PATH",
        default="",
    )


class AnimateDrawingPreferences(bpy.types.AddonPreferences):
    bl_idname = ADDON_ID

    execution_provider: EnumProperty(
        name="Execution provider",
        description="Hardware that runs the figure detection, segmentation and pose models",
        items=PROVIDERS,
        default=DEFAULTS.execution_provider.upper(),
    )
    threads: IntProperty(
        name="Threads",
        description="CPU threads for model inference; 0 lets onnxruntime choose",
        default=DEFAULTS.threads, min=0, max=256,
    )
    detector_model: _model_path_property("detection")
    segmenter_model: _model_path_property("segmentation")
    pose_model: _model_path_property("pose")
    mesh_density: FloatProperty(
        name="Mesh density",
        description="Triangle density of the character mesh; higher bends more smoothly but is slower",
        default=DEFAULTS.mesh_density, min=0.25, max=4.0, step=25,
    )
    review_before_rigging: BoolProperty(
        name="Review before rigging",
        description="Stop after analysis to show the box, mask and joints over the drawing for approval",
        default=DEFAULTS.review_before_rigging,
    )
    default_clip: StringProperty(
        name="Default motion",
        description="Library clip applied by Animate Drawing; empty uses the library's first clip",
        default=DEFAULTS.default_clip,
        search=lambda self, context, text: [clip_id for clip_id, _label, _path in list_clips()],
    )
    render_resolution: IntProperty(
        name="Resolution",
        description="Default width and height in pixels of rendered animations",
        default=DEFAULTS.render_resolution, min=64, max=4096,
    )
    render_fps: IntProperty(
        name="Frame rate",
        description="Default frames per second of rendered animations",
        default=DEFAULTS.render_fps, min=1, max=120,
    )
    render_engine: EnumProperty(
        name="Render engine",
        description="Default engine for rendering animations",
        items=RENDER_ENGINES,
        default=DEFAULTS.render_engine,
    )
    render_format: EnumProperty(
        name="Output format",
        description="Default file format of rendered animations",
        items=RENDER_FORMATS,
        default=DEFAULTS.render_format,
    )
    render_transparent: BoolProperty(
        name="Transparent background",
        description="Render the character over a transparent background (PNG frames keep the alpha)",
        default=DEFAULTS.render_transparent,
    )

    def draw(self, context):
        draw_preferences(self.layout, self)


def draw_preferences(layout, prefs: AnimateDrawingPreferences) -> None:
    layout.use_property_split = True
    layout.use_property_decorate = False

    column = layout.column(heading="Models")
    column.prop(prefs, "execution_provider")
    column.prop(prefs, "threads")
    for name in ("detector_model", "segmenter_model", "pose_model"):
        column.prop(prefs, name)
        path = bpy.path.abspath(getattr(prefs, name))
        if path and not os.path.isfile(os.path.splitext(path)[0] + ".json"):
            column.label(text="The .json sidecar is missing next to this model", icon="ERROR")

    column = layout.column(heading="Character")
    column.prop(prefs, "mesh_density")
    column.prop(prefs, "review_before_rigging")
    column.prop(prefs, "default_clip")

    column = layout.column(heading="Render")
    for name in ("render_resolution", "render_fps", "render_engine", "render_format", "render_transparent"):
        column.prop(prefs, name)


CLASSES = (AnimateDrawingPreferences,)


def get_preferences(context=None) -> PreferenceValues:
    """The user's preferences as plain values, or `DEFAULTS` when the add-on entry is absent."""
    context = context or bpy.context
    preferences = getattr(context, "preferences", None)
    addon = preferences.addons.get(ADDON_ID) if preferences is not None else None
    stored = getattr(addon, "preferences", None)
    if stored is None:
        return DEFAULTS
    values = {field.name: getattr(stored, field.name) for field in dataclasses.fields(PreferenceValues)}
    values["execution_provider"] = values["execution_provider"].lower()
    return PreferenceValues(**values)
