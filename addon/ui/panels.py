"""Sidebar panels (3D Viewport ▸ N ▸ Animate) and the File ▸ Import ▸ Drawing menu entry.

The panels follow the artist's path: start (drop or pick a drawing) → review the analysis →
fix the character (joints, mask, rebuild) → choose its motion. Panels only draw; every action
is an operator, so everything the UI does is also scriptable.
"""

from __future__ import annotations

import bpy
from bpy.app.translations import pgettext_iface as iface_

from ...models.joints import AD_NAMES, LOW_CONFIDENCE
from ...pipeline import review_edits
from .. import jobs
from ..animate.video_reference import video_references
from ..build import quality
from ..preferences import get_preferences
from .properties import active_character, scene_characters

REGISTER_PRIORITY = 80  # after preferences, properties and operators

CATEGORY = "Animate"


class _SidebarPanel:
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = CATEGORY


class _CharacterSubpanel(_SidebarPanel):
    """A sub-panel of the main one, shown only while a character is active."""
    bl_parent_id = "VIEW3D_PT_animate_drawing"

    @classmethod
    def poll(cls, context):
        return active_character(context) is not None


def start_operator(context) -> str:
    """What "Animate Drawing…" runs: straight to the animated character, or through the review
    step when the preferences ask for it."""
    return "animate_drawing.ui_review_drawing" if get_preferences(context).review_before_rigging \
        else "animate_drawing.animate"


def draw_jobs(layout) -> None:
    """Progress of running work with its stage name, and a cancel button."""
    for job in jobs.running_jobs():
        row = layout.row(align=True)
        row.progress(factor=job.progress, type="BAR", text=f"{iface_(job.stage_label)}…", translate=False)
        row.operator("animate_drawing.ui_cancel_jobs", text="", icon="X")


class VIEW3D_PT_animate_drawing(_SidebarPanel, bpy.types.Panel):
    bl_label = "Animate Drawing"
    bl_idname = "VIEW3D_PT_animate_drawing"

    def draw(self, context):
        layout = self.layout
        draw_jobs(layout)
        column = layout.column(align=True)
        column.scale_y = 1.4
        column.operator(start_operator(context), text="Animate Drawing…", icon="IMAGE_DATA")
        column = layout.column(align=True)
        column.operator("animate_drawing.ui_review_drawing", text="Analyze for Review…", icon="VIEWZOOM")
        column.operator("animate_drawing.import_character", text="Import Character Folder…", icon="FILE_FOLDER")
        layout.label(text="Tip: drop a drawing onto the viewport", icon="INFO")


def has_review(context) -> bool:
    analysis = getattr(context.scene, "animate_drawing_analysis", None)
    return bool(analysis and analysis.image_path)


def draw_review(layout, context, box_drag: bool) -> None:
    """The review of the last analysis; `box_drag` where the Image Editor's box tool works."""
    analysis = context.scene.animate_drawing_analysis
    figures = analysis.figures
    layout.label(text=bpy.path.basename(analysis.image_path), icon="IMAGE_DATA", translate=False)
    layout.prop(context.window_manager, "animate_drawing_show_review", text="Show Overlay")
    if not figures:
        layout.label(text="No figure found", icon="ERROR")
        if not box_drag:
            layout.label(text="Image Editor: Draw Box around it")
    else:
        if len(figures) > 1:
            checks = layout.column(heading="Include", align=True)
            for k in range(min(len(figures), len(analysis.include_figures))):
                row = checks.row(align=True)
                row.prop(analysis, "include_figures", index=k, text=f"Figure {k + 1}")
                if k < len(analysis.figure_choices):   # its own clip, or the page's
                    clip = row.row(align=True)
                    clip.active = analysis.include_figures[k]
                    clip.prop(analysis.figure_choices[k], "clip", text="")
            layout.prop(analysis, "figure_index", text="Figure")
        shown = min(analysis.figure_index, len(figures) - 1)
        draw_joint_confidences(layout, figures[shown])
        draw_face_edits(layout, figures[shown], shown)
        layout.prop(context.window_manager, "animate_drawing_clip", text="Motion")
        row = layout.row()
        row.scale_y = 1.3
        row.operator("animate_drawing.ui_accept_review", icon="CHECKMARK").clip = \
            context.window_manager.animate_drawing_clip
    row = layout.row(align=True)
    if box_drag:
        row.operator("animate_drawing.ui_drag_box", icon="SELECT_SET")
    if figures:
        row.operator("animate_drawing.ui_drag_markers", icon="RESTRICT_SELECT_OFF")
    row.operator("animate_drawing.ui_review_drawing", text="Analyze Again",
                 icon="FILE_REFRESH").filepath = analysis.image_path
    row.operator("animate_drawing.ui_dismiss_review", text="", icon="HIDE_ON")


class VIEW3D_PT_animate_drawing_review(_SidebarPanel, bpy.types.Panel):
    bl_label = "Review"
    bl_idname = "VIEW3D_PT_animate_drawing_review"
    bl_parent_id = "VIEW3D_PT_animate_drawing"

    @classmethod
    def poll(cls, context):
        return has_review(context)

    def draw(self, context):
        draw_review(self.layout, context, box_drag=False)


class IMAGE_PT_animate_drawing_review(bpy.types.Panel):
    """The same review beside the drawing in the Image Editor, where a box can be dragged."""

    bl_label = "Animate Drawing Review"
    bl_idname = "IMAGE_PT_animate_drawing_review"
    bl_space_type = "IMAGE_EDITOR"
    bl_region_type = "UI"
    bl_category = CATEGORY

    @classmethod
    def poll(cls, context):
        return has_review(context)

    def draw(self, context):
        draw_jobs(self.layout)
        draw_review(self.layout, context, box_drag=True)


def draw_joint_confidences(layout, figure: dict) -> None:
    """Low-confidence joints first, so the artist sees what to check."""
    confidences = figure.get("joint_conf", [])
    low = [(c, name) for name, c in zip(AD_NAMES, confidences) if c < LOW_CONFIDENCE]
    column = layout.column(align=True)
    column.label(text=iface_("Figure score {:.2f}").format(figure.get("score", 0.0)), translate=False)
    if not low:
        column.label(text="All joints confident", icon="CHECKMARK")
    else:
        column.label(text="Unsure joints, check them:")
    for confidence, name in sorted(low):
        column.label(text=f"{name.replace('_', ' ')}: {confidence:.2f}", icon="ERROR", translate=False)


def draw_face_edits(layout, figure: dict, index: int) -> None:
    """Add Face where none was found (markers to drag onto the drawn eyes and mouth), Remove Face
    while the figure would be rigged with one or looked at for one."""
    row = layout.row(align=True)
    if review_edits.face_removed(figure):
        row.label(text="No face rig", icon="INFO")
    elif not review_edits.has_face(figure):
        row.label(text="No face found", icon="INFO")
    if not review_edits.has_face(figure):
        row.operator("animate_drawing.ui_add_face", icon="ADD").figure = index
    if not review_edits.face_removed(figure):
        row.operator("animate_drawing.ui_remove_face", icon="REMOVE").figure = index


class VIEW3D_PT_animate_drawing_character(_SidebarPanel, bpy.types.Panel):
    bl_label = "Character"
    bl_idname = "VIEW3D_PT_animate_drawing_character"
    bl_parent_id = "VIEW3D_PT_animate_drawing"

    def draw(self, context):
        layout = self.layout
        armature = active_character(context)
        characters = scene_characters(context.scene)
        if not characters:
            layout.label(text="No character in this scene yet")
            return
        column = layout.column(align=True)
        for obj in characters:
            row = column.row(align=True)
            icon = "RADIOBUT_ON" if obj == armature else "RADIOBUT_OFF"
            row.operator("animate_drawing.ui_select_character", text=obj.animate_drawing.character_name,
                         icon=icon, depress=obj == armature).name = obj.name
        if armature is None:
            layout.label(text="Select a character to fix or animate it")
            return
        layout.label(text="Fix")
        row = layout.row(align=True)
        row.operator("animate_drawing.ui_edit_joints", icon="BONE_DATA")
        row.operator("animate_drawing.ui_paint_mask", icon="BRUSH_DATA")
        layout.operator("animate_drawing.rebuild_rig", icon="FILE_REFRESH")


class VIEW3D_PT_animate_drawing_face(_CharacterSubpanel, bpy.types.Panel):
    """Sliders for the face rig's keyable controls (custom properties of the armature)."""
    bl_label = "Face"
    bl_idname = "VIEW3D_PT_animate_drawing_face"

    def draw(self, context):
        from ..build.build_face import face_controls, face_notes

        armature = active_character(context)
        column = self.layout.column(align=True)
        shown = face_controls(armature)
        for name in shown:
            column.prop(armature, f'["{name}"]', slider=True)
        if not shown:
            column.label(text="No face rig")
        for note in face_notes(armature):
            column.label(text=note, icon="INFO")


class VIEW3D_PT_animate_drawing_motion(_CharacterSubpanel, bpy.types.Panel):
    bl_label = "Motion"
    bl_idname = "VIEW3D_PT_animate_drawing_motion"

    def draw(self, context):
        layout = self.layout
        window_manager = context.window_manager
        layout.template_icon_view(window_manager, "animate_drawing_clip", show_labels=True, scale=6.0,
                                  scale_popup=5.0)
        layout.operator("animate_drawing.retarget", text="Apply Clip",
                        icon="PLAY").clip = window_manager.animate_drawing_clip
        layout.separator()
        layout.operator("animate_drawing.ui_load_bvh", text="Load Motion File…", icon="FILE_MOVIE")
        draw_quality(layout, active_character(context))
        row = layout.row(align=True)
        row.operator("animate_drawing.motion_from_video", text="Motion from Video…", icon="OUTLINER_OB_CAMERA")
        if video_references(active_character(context)):
            row.operator("animate_drawing.remove_video_reference", text="", icon="X")
        draw_mapping(layout, context)


QUALITY_ICONS = {"good": "CHECKMARK", "fair": "INFO", "poor": "ERROR"}


def draw_quality(layout, armature) -> None:
    """The active clip's picture-quality verdict and its warnings (measured when it was keyed)."""
    anim = armature.animation_data if armature is not None else None
    info = quality.stored(anim.action) if anim is not None else None
    if not info:
        return
    box = layout.box()
    box.label(text=iface_("Quality: {}").format(iface_(info["verdict"])), icon=QUALITY_ICONS.get(info["verdict"], "INFO"))
    for warning in info["warnings"][:4]:
        box.label(text=warning, translate=False)


def draw_mapping(layout, context) -> None:
    """The character joint ↔ clip joint table of the loaded BVH, with presets and Apply."""
    ui = context.window_manager.animate_drawing_motion
    if not ui.rows:
        return
    box = layout.box()
    box.label(text=bpy.path.basename(ui.bvh_path), icon="ARMATURE_DATA", translate=False)
    box.label(text="Joint Mapping")
    column = box.column(align=True)
    for row in ui.rows:
        split = column.split(factor=0.45, align=True)
        split.label(text=row.joint.replace("_", " "), translate=False)
        split.prop_search(row, "clip_joint", ui, "clip_joints", text="", icon="BONE_DATA")
    presets = box.row(align=True)
    presets.prop(ui, "preset", text="")
    presets.operator("animate_drawing.ui_load_mapping_preset", text="", icon="IMPORT")
    presets.operator("animate_drawing.ui_save_mapping_preset", text="", icon="ADD")
    apply = box.operator("animate_drawing.retarget", text="Apply Motion File", icon="PLAY")
    apply.filepath = ui.bvh_path
    apply.mapping = ui.mapping_json()  # retarget takes the edited table as JSON


def draw_import_menu(self, context):
    self.layout.operator(start_operator(context), text="Drawing (Animate Drawing)", icon="IMAGE_DATA")


CLASSES = (VIEW3D_PT_animate_drawing, VIEW3D_PT_animate_drawing_review, VIEW3D_PT_animate_drawing_character,
           VIEW3D_PT_animate_drawing_face, VIEW3D_PT_animate_drawing_motion, IMAGE_PT_animate_drawing_review)


def register_module():
    bpy.types.TOPBAR_MT_file_import.append(draw_import_menu)


def unregister_module():
    bpy.types.TOPBAR_MT_file_import.remove(draw_import_menu)
