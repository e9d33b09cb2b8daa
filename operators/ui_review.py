"""The review step: analyse a drawing in the background, show the result, accept or redo it.

`ui_review_drawing` runs the models on a worker thread and stores the result in
`Scene.animate_drawing_analysis`; the overlay then shows box, mask outline and joints. When
no figure was found (or the wrong one), the artist drags a box in the Image Editor
(`ui_drag_box`) or passes one in image pixels (`ui_review_drawing(box=…)`) and the drawing is
analysed again inside that box. Joints, eyes, pupils and mouths are corrected by dragging their
markers (`ui_drag_markers`, each drop one `ui_move_marker`); a figure with no face found gets one
to drag into place (`ui_add_face`), and `ui_remove_face` builds a figure with none. `ui_accept_review` hands the
reviewed analysis to `animate_drawing.animate`, which builds a character from every ticked
figure (placed as on the page, its edited joints and face) and animates each with its own clip
or the page's, in one undo step.
"""

from __future__ import annotations

import dataclasses
import os

import bpy
import numpy as np
from bpy.props import BoolProperty, FloatVectorProperty, IntProperty, StringProperty
from bpy_extras.io_utils import ImportHelper

from ..addon import jobs
from ..addon.build import drawing_analysis
from ..addon.preferences import get_preferences
from ..addon.ui import review_overlay
from ..addon.ui.file_handler import DRAWING_EXTENSIONS
from ..errors import NoFigureError
from ..models.analyze import analyze_image
from ..pipeline import review_edits
from ..pipeline.stages import FIND, load_stage
from .ui_common import show_in_image_editors, start_reported, tell_if_failed, tell_user


def _analysis_stage(path: str, settings):
    """Worker thread: the models on the decoded drawing, then the mask outlines the overlay draws."""
    def run(loaded):
        try:
            analysis = analyze_image(loaded, settings)
        except NoFigureError as error:
            return path, None, "", str(error)
        outlines = [review_overlay.mask_outline(figure.mask) for figure in analysis.figures]
        return path, analysis, review_overlay.figures_for_review(drawing_analysis.figures_to_json(analysis), outlines), ""
    return run


def _show_stage(result):
    """Main thread: store the result, load the drawing and show it where the artist looks."""
    path, analysis, figures_json, problem = result
    context = bpy.context
    if analysis is not None:
        drawing_analysis.remember(analysis)  # `animate` reuses it (masks included) on Accept
    review_overlay.store_for_review(context, path, figures_json or "")
    image = review_overlay.load_review_image(context.scene.animate_drawing_analysis)
    if image is not None:
        show_in_image_editors(context, image)
    if problem:  # not a failure: the artist can now drag a box around the figure
        tell_user(problem + " — drag a box around the figure (Draw Box) and analyze again", "INFO")
    review_overlay.redraw_all(context)
    return result


def review_job(path: str, settings) -> jobs.Job:
    """The pipeline's analyse stage for review, as a background job (models off the main
    thread), then the result shown instead of planned."""
    return jobs.Job("Analyze Drawing", [
        load_stage(path),
        jobs.Stage(FIND, _analysis_stage(path, settings)),
        jobs.Stage("Showing the result", _show_stage, on_main_thread=True),
    ], on_finished=tell_if_failed)


class ANIMATE_DRAWING_OT_ui_review_drawing(bpy.types.Operator, ImportHelper):
    bl_idname = "animate_drawing.ui_review_drawing"
    bl_label = "Analyze Drawing"
    bl_description = ("Find the figure, its mask and its joints in a drawing and show them over it "
                      "for review, without building anything yet")
    bl_options = {"REGISTER"}  # the job records the one undo step when it finishes

    filepath: StringProperty(name="Drawing", subtype="FILE_PATH",
                             description="Image file of the drawing to analyze")
    filter_glob: StringProperty(default=";".join(f"*{ext}" for ext in DRAWING_EXTENSIONS), options={"HIDDEN"})
    interactive: BoolProperty(
        name="Interactive", options={"HIDDEN", "SKIP_SAVE"},
        description="Work behind the interface (set when started from the interface)",
    )
    box: FloatVectorProperty(
        name="Figure Box", size=4, default=(0.0, 0.0, 0.0, 0.0),
        description=("Left, top, right, bottom of the figure in image pixels (origin top-left); "
                     "all zero finds the figures automatically"),
    )

    def invoke(self, context, event):
        self.interactive = True
        if self.filepath:
            return self.execute(context)
        return ImportHelper.invoke(self, context, event)

    def execute(self, context):
        path = bpy.path.abspath(self.filepath)
        if not os.path.isfile(path):
            self.report({"ERROR"}, f"{path}: file not found")
            return {"CANCELLED"}
        settings = drawing_analysis.settings_from_preferences(context)
        if any(self.box):
            x0, y0, x1, y1 = self.box
            settings = dataclasses.replace(settings, manual_box=(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
        return start_reported(self, review_job(path, settings), wait=not self.interactive)


class ANIMATE_DRAWING_OT_ui_accept_review(bpy.types.Operator):
    bl_idname = "animate_drawing.ui_accept_review"
    bl_label = "Accept and Animate"
    bl_description = ("Build a character from every ticked figure, standing where it was drawn, "
                      "and animate each with its own clip or the chosen one")
    bl_options = {"REGISTER"}  # the animate job records the one undo step when it finishes

    clip: StringProperty(name="Motion", description="The page's clip, for every figure without its own: library "
                                                    "clip id, .bvh path or video of a person; empty = the "
                                                    "default clip from the preferences")

    @classmethod
    def poll(cls, context):
        analysis = getattr(context.scene, "animate_drawing_analysis", None)
        return bool(analysis and analysis.included)   # at least one figure ticked

    def execute(self, context):
        context.window_manager.animate_drawing_show_review = False
        path = context.scene.animate_drawing_analysis.image_path
        density = get_preferences(context).mesh_density  # execute skips animate's invoke, which reads it
        return bpy.ops.animate_drawing.animate("EXEC_DEFAULT", filepath=path, clip=self.clip, density=density,
                                               interactive=True)


class ANIMATE_DRAWING_OT_ui_dismiss_review(bpy.types.Operator):
    bl_idname = "animate_drawing.ui_dismiss_review"
    bl_label = "Hide Review"
    bl_description = "Hide the analysis overlay (the analysis is kept)"
    bl_options = {"INTERNAL"}

    def execute(self, context):
        context.window_manager.animate_drawing_show_review = False
        return {"FINISHED"}


def _image_points(context, region_points):
    """(N, 2) region pixels → analysed-image pixels (origin top-left) in an Image Editor showing
    the drawing or a 3D Viewport showing the review (NaN where the view runs along the drawing)."""
    return review_overlay.region_mapping(context)[1](region_points)


def _shows_drawing(context) -> bool:
    """An Image Editor showing a drawing from a file (where the review's boxes and markers are drawn)."""
    space = context.space_data
    return (context.area is not None and context.area.type == "IMAGE_EDITOR"
            and space.image is not None and space.image.filepath != "")


class _ReviewEdit:
    """One change to one reviewed figure (a marker moved, a face added or removed): one undo step;
    a change the review refuses is reported."""

    bl_options = {"REGISTER", "UNDO"}

    figure: IntProperty(name="Figure", min=0, description="Which reviewed figure (0 = the first)")

    @classmethod
    def poll(cls, context):
        analysis = getattr(context.scene, "animate_drawing_analysis", None)
        return bool(analysis and analysis.figures_json)

    def execute(self, context):
        try:
            self.apply(context)
        except ValueError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        return {"FINISHED"}


class ANIMATE_DRAWING_OT_ui_move_marker(_ReviewEdit, bpy.types.Operator):
    bl_idname = "animate_drawing.ui_move_marker"
    bl_label = "Move Marker"
    bl_description = ("Move one joint, eye, pupil or mouth marker of a reviewed figure; Accept builds the "
                      "figure with it there")

    marker: StringProperty(name="Marker", description=("joint:N, eye:N, eye_rim:N (sizes the eye), pupil:N, mouth "
                                                       "or mouth_corner:N (eyes and corners left to right as seen)"))
    position: FloatVectorProperty(name="Position", size=2,
                                  description="Where the marker goes, in image pixels (origin top-left)")

    def apply(self, context):
        review_overlay.move_review_marker(context, self.figure, self.marker, tuple(self.position))


class ANIMATE_DRAWING_OT_ui_add_face(_ReviewEdit, bpy.types.Operator):
    bl_idname = "animate_drawing.ui_add_face"
    bl_label = "Add Face"
    bl_description = ("Give the figure, where no face was found, two eyes and a mouth on its head: drag them "
                      "onto the drawn ones (Drag Markers), and Accept rigs the face there")

    def apply(self, context):
        review_overlay.add_review_face(context, self.figure)


class ANIMATE_DRAWING_OT_ui_remove_face(_ReviewEdit, bpy.types.Operator):
    bl_idname = "animate_drawing.ui_remove_face"
    bl_label = "Remove Face"
    bl_description = "Build the figure with no face rig: its eyes and mouth are not found or moved"

    def apply(self, context):
        review_overlay.remove_review_face(context, self.figure)


class ANIMATE_DRAWING_OT_ui_drag_markers(bpy.types.Operator):
    """Modal: drag the review's markers where they are shown; each drop is one Move Marker (one undo step)."""

    bl_idname = "animate_drawing.ui_drag_markers"
    bl_label = "Drag Markers"
    bl_description = ("Drag the joints, eyes, pupils and mouth shown over the drawing (Image Editor or "
                      "3D Viewport) to where they belong, Shift-drag an eye to size it; Esc, right click or "
                      "Enter ends")
    bl_options = {"REGISTER"}

    @classmethod
    def poll(cls, context):
        in_viewport = context.area is not None and context.area.type == "VIEW_3D"
        return (in_viewport or _shows_drawing(context)) and review_overlay.review_is_shown(context)

    def invoke(self, context, event):
        self._held = None        # (figure, marker) being dragged
        self._before = None      # the review as it was when the drag started (Esc puts it back)
        context.window_manager.modal_handler_add(self)
        context.workspace.status_text_set(
            "Drag a marker · Shift-drag an eye: its size · Esc / right click / Enter: done")
        return {"RUNNING_MODAL"}

    def modal(self, context, event):
        if event.type in {"ESC", "RIGHTMOUSE", "RET"} and event.value == "PRESS":
            if self._held is not None:   # mid-drag: the marker goes back
                self._restore(context)
            context.workspace.status_text_set(None)
            return {"FINISHED"}
        pointer = (event.mouse_region_x, event.mouse_region_y)
        if event.type == "LEFTMOUSE" and event.value == "PRESS":
            self._held = review_overlay.marker_at(context, pointer)
            if self._held is not None and event.shift:   # Shift-drag an eye: its rim, which sizes it
                figure, marker = self._held
                self._held = (figure, review_edits.rim_of(marker) or marker)
            if self._held is not None:
                stored = context.scene.animate_drawing_analysis
                self._before = (stored.figures_json, stored.joints_edited, stored.face_edited)
                return {"RUNNING_MODAL"}
        if self._held is None:
            return {"PASS_THROUGH"}      # pan, zoom and click as usual
        position = tuple(_image_points(context, pointer)[0])
        if not np.isfinite(position).all():   # a 3D view looking along the drawing: nowhere to put it
            return {"RUNNING_MODAL"}
        if event.type == "MOUSEMOVE":
            review_overlay.move_review_marker(context, *self._held, position)   # seen while dragging
        elif event.type == "LEFTMOUSE" and event.value == "RELEASE":
            figure, marker = self._held
            self._restore(context)   # the operator makes the move again, as its own undo step
            bpy.ops.animate_drawing.ui_move_marker(figure=figure, marker=marker, position=position)
        return {"RUNNING_MODAL"}

    def _restore(self, context):
        stored = context.scene.animate_drawing_analysis
        stored.figures_json, stored.joints_edited, stored.face_edited = self._before
        self._held = None
        review_overlay.redraw_all(context)


class ANIMATE_DRAWING_OT_ui_drag_box(bpy.types.Operator):
    """Modal: drag a rectangle around the figure in the Image Editor, then analyze inside it."""

    bl_idname = "animate_drawing.ui_drag_box"
    bl_label = "Draw Figure Box"
    bl_description = ("Drag a box around the figure in the Image Editor to analyze only that part "
                      "(use when no figure, or the wrong one, was found)")
    bl_options = {"REGISTER"}

    @classmethod
    def poll(cls, context):
        return _shows_drawing(context)

    def invoke(self, context, event):
        self._start = None
        self._end = None
        self._handle = bpy.types.SpaceImageEditor.draw_handler_add(
            self._draw, (), "WINDOW", "POST_PIXEL")
        context.window_manager.modal_handler_add(self)
        context.workspace.status_text_set("Drag a box around the figure · Esc / right click: cancel")
        return {"RUNNING_MODAL"}

    def modal(self, context, event):
        position = (event.mouse_region_x, event.mouse_region_y)
        if event.type in {"ESC", "RIGHTMOUSE"}:
            return self._finish(context, {"CANCELLED"})
        if event.type == "LEFTMOUSE" and event.value == "PRESS":
            self._start = self._end = position
        elif event.type == "MOUSEMOVE" and self._start is not None:
            self._end = position
            context.area.tag_redraw()
        elif event.type == "LEFTMOUSE" and event.value == "RELEASE" and self._start is not None:
            box = self._image_box(context)
            result = self._finish(context, {"FINISHED"})
            bpy.ops.animate_drawing.ui_review_drawing(
                "EXEC_DEFAULT", filepath=bpy.path.abspath(context.space_data.image.filepath), box=box,
                interactive=True)
            return result
        return {"RUNNING_MODAL"}

    def _image_box(self, context) -> tuple[float, float, float, float]:
        """The dragged rectangle in analysed-image pixels (origin top-left)."""
        corners = _image_points(context, (self._start, self._end))
        (x0, y0), (x1, y1) = corners.min(axis=0), corners.max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)

    def _draw(self):
        if self._start is None:
            return
        import gpu
        from gpu_extras.batch import batch_for_shader

        (x0, y0), (x1, y1) = self._start, self._end
        shader = gpu.shader.from_builtin("POLYLINE_UNIFORM_COLOR")
        shader.uniform_float("viewportSize", gpu.state.viewport_get()[2:])
        shader.uniform_float("lineWidth", 2.0)
        shader.uniform_float("color", review_overlay.SELECTED_BOX_RGBA)
        loop = ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))
        batch_for_shader(shader, "LINE_STRIP", {"pos": loop}).draw(shader)

    def _finish(self, context, result):
        bpy.types.SpaceImageEditor.draw_handler_remove(self._handle, "WINDOW")
        context.workspace.status_text_set(None)
        context.area.tag_redraw()
        return result


CLASSES = (ANIMATE_DRAWING_OT_ui_review_drawing, ANIMATE_DRAWING_OT_ui_accept_review,
           ANIMATE_DRAWING_OT_ui_dismiss_review, ANIMATE_DRAWING_OT_ui_move_marker,
           ANIMATE_DRAWING_OT_ui_add_face, ANIMATE_DRAWING_OT_ui_remove_face,
           ANIMATE_DRAWING_OT_ui_drag_markers, ANIMATE_DRAWING_OT_ui_drag_box)
