"""Show an analysis over the drawing so the artist accepts or fixes it before rigging.

For every figure of `Scene.animate_drawing_analysis`: its box, its mask outline, its
joints coloured by confidence (red → yellow → green), low-confidence joints drawn larger with
a ring, and its face (cyan eye circles, magenta pupils, a pink mouth line, a dot on each
marker the artist can drag: `pipeline.review_edits`); a figure whose checkbox is unticked (not
built on Accept) is drawn faint. The shapes are drawn in

* the 3D Viewport: the drawing as a textured quad in the XZ plane where the character will
  stand (2 units tall, feet on z = 0, root on x = 0; `POST_VIEW`), the shapes projected on top
  in screen pixels (`POST_PIXEL`, so joints keep their size at any zoom);
* the Image Editor (`POST_PIXEL`) when it shows the analysed image.

`review_picture()` runs the same drawing off screen (documentation, tests). Colours follow
`models.overlay` (the vision pictures) so both read alike; joints shade continuously from red
to green by confidence.

The overlay is display only: it creates no objects, so dismissing it leaves the scene as it was.
`move_review_marker` is where a dragged marker lands in the stored review; `add_review_face` and
`remove_review_face` give a figure a face where none was found, or none.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import bpy
import numpy as np

from ...imaging.contours import (
    compress_chain,
    fill_polygons,
    outer_outlines,
    polygon_area,
    polygon_perimeter,
    simplify_polygon,
)
from ...models.image_io import MAX_LONG_SIDE
from ...models.joints import AD_PARENT_INDEX, LOW_CONFIDENCE
from ...pipeline import review_edits
from ..build import drawing_analysis

CHARACTER_HEIGHT = 2.0   # world units, as RigPlan scales every character
SELECTED_BOX_RGBA = (0.94, 0.86, 0.0, 1.0)
OTHER_BOX_RGBA = (0.6, 0.6, 0.6, 0.8)
OUTLINE_RGBA = (0.0, 0.78, 1.0, 1.0)
BONE_RGBA = (0.78, 0.0, 0.78, 0.9)
# the face as models.overlay draws it: cyan eyes, magenta pupils, a pink mouth
EYE_RGBA, PUPIL_RGBA, MOUTH_RGBA = (0.0, 0.9, 0.9, 1.0), (1.0, 0.0, 0.63, 1.0), (1.0, 0.24, 0.78, 1.0)
FACE_MARKER_PX = 7.0      # face marker dots on screen
MARKER_REACH_PX = 10.0    # a press this close to a marker picks it up
JOINT_SIZE_PX = 9.0       # disc diameters on screen
LOW_JOINT_SIZE_PX = 15.0
EXCLUDED_OPACITY = 0.3    # an unticked figure's shapes: there, but clearly not part of the build


@dataclass(frozen=True)
class FigureShapes:
    """One figure's overlay in image pixels (u right, v down)."""

    box: np.ndarray            # (4, 2) corners, clockwise from top-left
    outline: np.ndarray        # (P, 2) closed polyline of the mask border; (0, 2) if unknown
    bones: np.ndarray          # (K, 2, 2) joint-to-parent segments
    joints: np.ndarray         # (J, 2)
    joint_rgba: np.ndarray     # (J, 4) float 0..1
    low_confidence: np.ndarray  # (J,) bool
    selected: bool
    included: bool = True      # ticked: built on Accept; unticked figures are drawn faint
    eyes: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))        # (E, 2) eye centres
    eye_radius: np.ndarray = field(default_factory=lambda: np.zeros(0))       # (E,)
    pupils: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))      # (P, 2) drawn pupils
    mouth: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))       # (3, 2) corner, centre, corner; or none

    def rgba(self, colour) -> tuple[float, ...]:
        """`colour` as this figure is drawn: its alpha lowered when the figure is left out."""
        r, g, b, a = colour
        return r, g, b, a * (1.0 if self.included else EXCLUDED_OPACITY)


def confidence_rgba(conf) -> np.ndarray:
    """(N,) confidences 0..1 → (N, 4) colours: red at 0, yellow at 0.5, green at 1."""
    conf = np.clip(np.asarray(conf, dtype=np.float64), 0.0, 1.0)
    red = np.clip(2.0 - 2.0 * conf, 0.0, 1.0)
    green = np.clip(2.0 * conf, 0.0, 1.0)
    return np.stack([red, green, np.zeros_like(conf), np.ones_like(conf)], axis=-1)


def figure_shapes(figure: dict, selected: bool = True, included: bool = True) -> FigureShapes:
    """Shapes for one entry of `Scene.animate_drawing_analysis.figures` (a plain dict)."""
    x0, y0, x1, y1 = (float(c) for c in figure["box"])
    joints = np.asarray(figure.get("joints", ()), dtype=np.float64).reshape(-1, 2)
    conf = np.asarray(figure.get("joint_conf", np.ones(len(joints))), dtype=np.float64).reshape(-1)
    parents = np.asarray(AD_PARENT_INDEX[:len(joints)]) if len(joints) == len(AD_PARENT_INDEX) else None
    if parents is not None:
        children = np.flatnonzero(parents >= 0)
        bones = np.stack([joints[parents[children]], joints[children]], axis=1)
    else:  # not the 16-joint skeleton: show the joints alone
        bones = np.zeros((0, 2, 2))
    outline = np.asarray(figure.get("outline", ()), dtype=np.float64).reshape(-1, 2)
    face = figure.get("face") or {}
    eyes = face.get("eyes", ())
    mouth = face.get("mouth")
    return FigureShapes(
        box=np.array([(x0, y0), (x1, y0), (x1, y1), (x0, y1)]),
        outline=outline,
        bones=bones,
        joints=joints,
        joint_rgba=confidence_rgba(conf),
        low_confidence=conf < LOW_CONFIDENCE,
        selected=selected,
        included=included,
        eyes=np.array([e["center"] for e in eyes], dtype=np.float64).reshape(-1, 2),
        eye_radius=np.array([e["radius"] for e in eyes], dtype=np.float64),
        pupils=np.array([e["pupil"] for e in eyes if e.get("pupil") is not None], dtype=np.float64).reshape(-1, 2),
        mouth=(np.array([mouth["corners"][0], mouth["center"], mouth["corners"][1]], dtype=np.float64)
               if mouth is not None else np.zeros((0, 2))),
    )


def analysis_shapes(figures: list[dict], selected_index: int, included=None) -> list[FigureShapes]:
    """Every figure's shapes, the selected one last so it is drawn on top; `included`: the
    indices of the ticked figures (None: all)."""
    shapes = [figure_shapes(f, i == selected_index, included is None or i in included)
              for i, f in enumerate(figures)]
    return sorted(shapes, key=lambda s: s.selected)


def mask_outline(mask: np.ndarray, max_points: int = 400) -> np.ndarray:
    """(P, 2) border of the largest region of a bool mask, simplified to about `max_points`."""
    outlines = outer_outlines(mask)
    if not outlines:
        return np.zeros((0, 2))
    outline = compress_chain(max(outlines, key=polygon_area))
    epsilon = max(0.5, polygon_perimeter(outline) / max_points)
    return simplify_polygon(outline, epsilon).astype(np.float64)


def _review_frame(figure: dict, *others: dict) -> tuple[float, float, float]:
    """(origin u, feet v, world units per pixel) of the review quad: where the page cast
    (`rig.page_layout`) will put the characters of `figure` and `others` (the first one's root
    joint on x = 0, the lowest box bottom on z = 0, the tallest box 2 units)."""
    boxes = np.array([[float(c) for c in f["box"]] for f in (figure, *others)])
    joints = np.asarray(figure.get("joints", ()), dtype=np.float64).reshape(-1, 2)
    origin_u = joints[0, 0] if len(joints) else (boxes[0, 0] + boxes[0, 2]) / 2
    scale = CHARACTER_HEIGHT / max(float((boxes[:, 3] - boxes[:, 1]).max()), 1.0)
    return float(origin_u), float(boxes[:, 3].max()), scale


def review_to_world(figure: dict, *others: dict):
    """Pixels → world (the y = 0 plane) for the review quad (see `_review_frame`)."""
    origin_u, feet_v, scale = _review_frame(figure, *others)

    def to_world(uv) -> np.ndarray:
        uv = np.asarray(uv, dtype=np.float64)
        return np.stack([(uv[..., 0] - origin_u) * scale, np.zeros(uv.shape[:-1]),
                         (feet_v - uv[..., 1]) * scale], axis=-1)

    return to_world


def world_to_review(figure: dict, *others: dict):
    """World points on the drawing's plane → pixels: `review_to_world` backwards."""
    origin_u, feet_v, scale = _review_frame(figure, *others)

    def to_image(world) -> np.ndarray:
        world = np.asarray(world, dtype=np.float64)
        return np.stack([world[..., 0] / scale + origin_u, feet_v - world[..., 2] / scale], axis=-1)

    return to_image


def analysed_scale(width: int, height: int) -> float:
    """Analysed-image pixels per file pixel: the analysis works on a copy whose long side is
    at most `MAX_LONG_SIDE`, while Blender shows the file at full size."""
    return min(1.0, MAX_LONG_SIDE / max(width, height, 1))


def rectangle_to_image(file_size, bottom_left, top_right):
    """The inverse of `image_to_rectangle`: region pixels → analysed-image pixels."""
    scale = analysed_scale(*file_size)
    aw, ah = file_size[0] * scale, file_size[1] * scale
    (x0, y0), (x1, y1) = bottom_left, top_right

    def to_image(xy) -> np.ndarray:
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        return np.stack([(xy[:, 0] - x0) / (x1 - x0) * aw, (1.0 - (xy[:, 1] - y0) / (y1 - y0)) * ah], axis=-1)

    return to_image


def image_editor_rectangle(region) -> tuple[tuple[float, float], tuple[float, float]]:
    """Region pixels of the image's bottom-left and top-right corners in an Image Editor: its
    view space is the image's 0..1 UV square, an affine map to the region."""
    view2d = region.view2d
    return view2d.view_to_region(0.0, 0.0, clip=False), view2d.view_to_region(1.0, 1.0, clip=False)


def marker_at(context, region_xy) -> tuple[int, str] | None:
    """(figure index, marker) under a press at `region_xy` in the region showing the review
    (`region_mapping`), or None."""
    return review_edits.nearest_marker(context.scene.animate_drawing_analysis.figures, region_mapping(context)[0],
                                       region_xy, MARKER_REACH_PX)


def _edit_review_figure(context, figure_index: int, edit, part: str) -> None:
    """Replace a reviewed figure by `edit(figure)` and mark `part` ("joints" or "face") as edited,
    so Accept builds it from the review. Raises ValueError."""
    stored = context.scene.animate_drawing_analysis
    figures = stored.figures
    if not 0 <= figure_index < len(figures):
        raise ValueError(f"the review has no figure {figure_index + 1}")
    figures[figure_index] = edit(figures[figure_index])
    stored.figures_json = json.dumps(figures)
    setattr(stored, f"{part}_edited", True)
    redraw_all(context)


def move_review_marker(context, figure_index: int, marker: str, position) -> None:
    """Put one marker of a reviewed figure at `position` (analysed-image pixels). Raises ValueError."""
    _edit_review_figure(context, figure_index, lambda figure: review_edits.move_marker(figure, marker, position),
                        review_edits.part_of(marker))


def add_review_face(context, figure_index: int) -> None:
    """Give a reviewed figure without a face eyes and a mouth on its head, to be dragged into
    place. Raises ValueError (e.g. it has a face already)."""
    _edit_review_figure(context, figure_index,
                        lambda figure: review_edits.with_default_face(figure, review_figure_mask(context, figure_index)),
                        "face")


def remove_review_face(context, figure_index: int) -> None:
    """Build a reviewed figure with no face rig. Raises ValueError."""
    _edit_review_figure(context, figure_index, review_edits.without_face, "face")


def review_figure_mask(context, figure_index: int) -> np.ndarray | None:
    """A reviewed figure's pixels (analysed-image pixels): its mask from this session's analysis,
    else its outline filled (the masks are not saved with the .blend), else None."""
    stored = context.scene.animate_drawing_analysis
    figures = stored.figures
    analysis = drawing_analysis.cached_analysis(stored.image_path)
    if analysis is not None and len(analysis.figures) == len(figures):
        return analysis.figures[figure_index].mask
    outline = np.asarray(figures[figure_index].get("outline", ()), dtype=np.float64).reshape(-1, 2)
    if len(outline) < 3:
        return None
    return fill_polygons((int(outline[:, 1].max()) + 2, int(outline[:, 0].max()) + 2), [outline])


def figures_for_review(figures_json: str, outlines: list[np.ndarray]) -> str:
    """The stored figures JSON with each figure's mask outline added (for the overlay)."""
    figures = json.loads(figures_json)
    for figure, outline in zip(figures, outlines):
        figure["outline"] = np.round(outline, 1).tolist()
    return json.dumps(figures)


def store_for_review(context, image_path: str, figures_json: str) -> None:
    """Put an analysis in `Scene.animate_drawing_analysis` and turn the overlay on."""
    drawing_analysis.keep_for_review(context, image_path, figures_json)
    context.window_manager.animate_drawing_show_review = True


# -- Blender drawing (needs a GPU context: not available in background mode) ----------------

_handlers: list[tuple[type, object]] = []


def review_is_shown(context) -> bool:
    analysis = getattr(context.scene, "animate_drawing_analysis", None)
    return bool(analysis and analysis.figures_json and context.window_manager.animate_drawing_show_review)


def load_review_image(analysis) -> bpy.types.Image | None:
    """The analysed drawing as an Image data-block, loaded once (shared with the Image Editor)."""
    path = bpy.path.abspath(analysis.image_path)
    if not os.path.isfile(path):
        return None
    return bpy.data.images.load(path, check_existing=True)


def find_review_image(analysis) -> bpy.types.Image | None:
    """The loaded drawing, without loading it: draw callbacks must not create data."""
    path = bpy.path.abspath(analysis.image_path)
    return next((image for image in bpy.data.images if bpy.path.abspath(image.filepath) == path), None)


def _closed(points: np.ndarray) -> np.ndarray:
    return np.concatenate([points, points[:1]]) if len(points) else points


def disc_triangles(centres: np.ndarray, radius: float, segments: int = 12) -> np.ndarray:
    """(N * segments * 3, 2) triangle corners of filled discs (joints drawn at a fixed size on
    screen, whatever the zoom)."""
    angles = np.linspace(0.0, 2.0 * np.pi, segments + 1)
    ring = radius * np.stack([np.cos(angles), np.sin(angles)], axis=-1)
    fan = np.stack([np.zeros((segments, 2)), ring[:-1], ring[1:]], axis=1)  # (segments, 3, 2)
    return (np.asarray(centres, dtype=np.float64).reshape(-1, 1, 1, 2) + fan).reshape(-1, 2)


def world_to_region(world: np.ndarray, perspective_matrix, width: int, height: int) -> np.ndarray:
    """(N, 3) world points → (N, 2) pixel positions in a 3D Viewport region."""
    world = np.asarray(world, dtype=np.float64).reshape(-1, 3)
    clip = np.c_[world, np.ones(len(world))] @ np.asarray(perspective_matrix, dtype=np.float64).T
    ndc = clip[:, :2] / clip[:, 3:4]
    return (ndc + 1.0) * 0.5 * np.array([width, height], dtype=np.float64)


def image_to_rectangle(file_size, bottom_left, top_right):
    """Analysed-image pixels (v down) → region pixels (y up) of the rectangle where the whole
    image is shown, as the Image Editor and `review_picture` show it."""
    scale = analysed_scale(*file_size)
    aw, ah = file_size[0] * scale, file_size[1] * scale
    (x0, y0), (x1, y1) = bottom_left, top_right

    def to_region(uv) -> np.ndarray:
        uv = np.asarray(uv, dtype=np.float64).reshape(-1, 2)
        return np.stack([x0 + uv[:, 0] / aw * (x1 - x0), y0 + (1.0 - uv[:, 1] / ah) * (y1 - y0)], axis=-1)

    return to_region


def _draw_lines(batch_type, coords, rgba, width):
    import gpu
    from gpu_extras.batch import batch_for_shader

    if len(coords) == 0:
        return
    shader = gpu.shader.from_builtin("POLYLINE_UNIFORM_COLOR")
    shader.uniform_float("viewportSize", gpu.state.viewport_get()[2:])
    shader.uniform_float("lineWidth", width)
    shader.uniform_float("color", rgba)
    batch_for_shader(shader, batch_type, {"pos": [tuple(p) for p in coords]}).draw(shader)


def _draw_discs(centres, rgba, radius):
    import gpu
    from gpu_extras.batch import batch_for_shader

    if len(centres) == 0:
        return
    corners = disc_triangles(centres, radius)
    colours = np.repeat(np.asarray(rgba, dtype=np.float64), len(corners) // len(centres), axis=0)
    shader = gpu.shader.from_builtin("FLAT_COLOR")
    batch_for_shader(shader, "TRIS", {"pos": [tuple(p) for p in corners],
                                      "color": [tuple(c) for c in colours]}).draw(shader)


def _draw_shapes(shapes: list[FigureShapes], to_region) -> None:
    """Draw in region pixels; `to_region` maps (N, 2) image pixels to (N, 2) region pixels."""
    import gpu

    gpu.state.blend_set("ALPHA")
    for s in shapes:
        box_rgba = SELECTED_BOX_RGBA if s.selected else OTHER_BOX_RGBA
        _draw_lines("LINE_STRIP", to_region(_closed(s.box)), s.rgba(box_rgba), 2.0)
        _draw_lines("LINE_STRIP", to_region(_closed(s.outline)), s.rgba(OUTLINE_RGBA), 1.5)
        _draw_lines("LINES", to_region(s.bones.reshape(-1, 2)), s.rgba(BONE_RGBA), 2.0)
        low = s.low_confidence
        ring = np.tile(s.rgba((1.0, 1.0, 1.0, 1.0)), (int(low.sum()), 1))
        joint_rgba = np.array([s.rgba(c) for c in s.joint_rgba]).reshape(-1, 4)
        _draw_discs(to_region(s.joints[low]), ring, LOW_JOINT_SIZE_PX / 2 + 2)
        _draw_discs(to_region(s.joints[low]), joint_rgba[low], LOW_JOINT_SIZE_PX / 2)
        _draw_discs(to_region(s.joints[~low]), joint_rgba[~low], JOINT_SIZE_PX / 2)
        _draw_face(s, to_region)
    gpu.state.blend_set("NONE")


def _draw_face(s: FigureShapes, to_region) -> None:
    """Eye circles (their size in image pixels, so they zoom with the drawing), pupils, the mouth
    line, and a dot on every face marker."""
    angles = np.linspace(0.0, 2.0 * np.pi, 33)
    ring = np.stack([np.cos(angles), np.sin(angles)], axis=-1)
    for centre, radius in zip(s.eyes, s.eye_radius):
        _draw_lines("LINE_STRIP", to_region(centre + radius * ring), s.rgba(EYE_RGBA), 1.5)
    _draw_lines("LINE_STRIP", to_region(s.mouth), s.rgba(MOUTH_RGBA), 2.0)
    for points, colour in ((s.eyes, EYE_RGBA), (s.pupils, PUPIL_RGBA), (s.mouth, MOUTH_RGBA)):
        _draw_discs(to_region(points), np.tile(s.rgba(colour), (len(points), 1)), FACE_MARKER_PX / 2)


def _current_shapes(context):
    analysis = context.scene.animate_drawing_analysis
    figures = analysis.figures
    return analysis, figures, analysis_shapes(figures, analysis.figure_index, analysis.included)


def _placed_figures(analysis, figures) -> list[dict]:
    """The figures the review quad is placed by: the ticked ones (all of them while none is)."""
    return [figures[k] for k in analysis.included or range(len(figures))]


def _viewport_mapping(analysis, figures):
    """Where the ticked figures will stand."""
    return review_to_world(*_placed_figures(analysis, figures))


def region_to_plane(xy, perspective_matrix, width: int, height: int) -> np.ndarray:
    """(N, 2) pixels of a 3D Viewport region → (N, 3) where the rays through them meet the
    drawing's plane (y = 0): `world_to_region` backwards; NaN where a ray runs along the plane."""
    ndc = np.asarray(xy, dtype=np.float64).reshape(-1, 2) / np.array([width, height], dtype=np.float64) * 2.0 - 1.0
    inverse = np.linalg.inv(np.asarray(perspective_matrix, dtype=np.float64))
    ends = [np.c_[ndc, np.full(len(ndc), depth), np.ones(len(ndc))] @ inverse.T for depth in (-1.0, 1.0)]
    near, far = (end[:, :3] / end[:, 3:4] for end in ends)
    along = far - near
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(np.abs(along[:, 1]) > 1e-12, -near[:, 1] / along[:, 1], np.nan)
    return near + t[:, None] * along


def region_mapping(context):
    """(to_region, to_image): analysed-image pixels ↔ pixels of the region showing the review,
    an Image Editor showing the drawing or a 3D Viewport (the drawing's plane there)."""
    if context.area.type == "IMAGE_EDITOR":
        size, rectangle = context.space_data.image.size, image_editor_rectangle(context.region)
        return image_to_rectangle(size, *rectangle), rectangle_to_image(size, *rectangle)
    analysis = context.scene.animate_drawing_analysis
    placed = _placed_figures(analysis, analysis.figures)
    to_world, from_world = review_to_world(*placed), world_to_review(*placed)
    region, view = context.region, context.region_data

    def to_region(uv) -> np.ndarray:
        return world_to_region(to_world(np.asarray(uv, dtype=np.float64).reshape(-1, 2)),
                               view.perspective_matrix, region.width, region.height)

    return to_region, lambda xy: from_world(region_to_plane(xy, view.perspective_matrix, region.width, region.height))


def _image_shader():
    """The built-in textured-quad shader that shows the image's colours as the Image Editor does;
    Blender 4.2 has no colour-managed one, so there the plain `IMAGE` shader (a little darker)."""
    import gpu

    try:
        return gpu.shader.from_builtin("IMAGE_SCENE_LINEAR_TO_REC709_SRGB")
    except ValueError:  # not a built-in shader name in Blender 4.2
        return gpu.shader.from_builtin("IMAGE")


def _draw_image_quad(image: bpy.types.Image, corners) -> None:
    """The image on a quad; `corners` (4, 2 or 3) are its bottom-left, bottom-right, top-right
    and top-left in the current space."""
    import gpu
    from gpu_extras.batch import batch_for_shader

    shader = _image_shader()
    batch = batch_for_shader(shader, "TRIS", {"pos": [tuple(c) for c in corners],
                                              "texCoord": ((0, 0), (1, 0), (1, 1), (0, 1))},
                             indices=((0, 1, 2), (2, 3, 0)))
    shader.uniform_sampler("image", gpu.texture.from_image(image))
    batch.draw(shader)


def _draw_drawing_in_viewport() -> None:
    """POST_VIEW: the drawing itself, standing in the XZ plane behind the shapes."""
    context = bpy.context
    if not review_is_shown(context):
        return
    import gpu

    analysis = context.scene.animate_drawing_analysis
    figures = analysis.figures
    image = find_review_image(analysis)
    if not figures or image is None or image.size[0] == 0:
        return
    scale = analysed_scale(*image.size)
    w, h = image.size[0] * scale, image.size[1] * scale
    corners = _viewport_mapping(analysis, figures)(np.array([(0, h), (w, h), (w, 0), (0, 0)], dtype=np.float64))
    gpu.state.depth_test_set("LESS_EQUAL")
    _draw_image_quad(image, corners)
    gpu.state.depth_test_set("NONE")


def _draw_shapes_in_viewport() -> None:
    """POST_PIXEL: box, outline and joints projected from where the drawing stands."""
    context = bpy.context
    if not review_is_shown(context):
        return
    analysis, figures, shapes = _current_shapes(context)
    if not figures:
        return
    _draw_shapes(shapes, region_mapping(context)[0])


def _draw_in_image_editor() -> None:
    context = bpy.context
    if not review_is_shown(context):
        return
    analysis, figures, shapes = _current_shapes(context)
    image = context.space_data.image
    if image is None or bpy.path.abspath(image.filepath) != bpy.path.abspath(analysis.image_path):
        return
    w, h = image.size
    if w == 0 or h == 0:
        return
    _draw_shapes(shapes, image_to_rectangle(image.size, *image_editor_rectangle(context.region)))


def review_picture(image: bpy.types.Image, figures: list[dict], selected: int, width: int,
                   included=None) -> np.ndarray:
    """(H, W, 4) uint8 RGBA: the review as the Image Editor shows it (`included`: the ticked
    figures' indices, None: all), drawn off screen with the same code (for documentation and
    tests; needs a GPU context)."""
    import gpu
    from mathutils import Matrix

    height = max(1, round(width * image.size[1] / image.size[0]))
    to_region = image_to_rectangle(image.size, (0, 0), (width, height))

    offscreen = gpu.types.GPUOffScreen(width, height)
    try:
        with offscreen.bind():
            framebuffer = gpu.state.active_framebuffer_get()
            # depth too: Blender 4.2 leaves the depth test on (LESS_EQUAL) after a render
            framebuffer.clear(color=(0.0, 0.0, 0.0, 0.0), depth=1.0)
            with gpu.matrix.push_pop(), gpu.matrix.push_pop_projection():
                gpu.matrix.load_matrix(Matrix.Identity(4))
                # region pixels → clip space, as POST_PIXEL handlers get it
                gpu.matrix.load_projection_matrix(Matrix(((2.0 / width, 0, 0, -1.0), (0, 2.0 / height, 0, -1.0),
                                                          (0, 0, 1.0, 0), (0, 0, 0, 1.0))))
                _draw_image_quad(image, ((0, 0), (width, 0), (width, height), (0, height)))
                _draw_shapes(analysis_shapes(figures, selected, included), to_region)
            pixels = framebuffer.read_color(0, 0, width, height, 4, 0, "UBYTE")
            pixels.dimensions = width * height * 4
            rgba = np.array(pixels, dtype=np.uint8).reshape(height, width, 4)
    finally:
        offscreen.free()
    return rgba[::-1].copy()  # OpenGL rows start at the bottom


def redraw_all(context) -> None:
    for window in context.window_manager.windows:
        for area in window.screen.areas:
            if area.type in {"VIEW_3D", "IMAGE_EDITOR"}:
                area.tag_redraw()


def register_module() -> None:
    bpy.types.WindowManager.animate_drawing_show_review = bpy.props.BoolProperty(
        name="Show Review",
        description="Show the detected box, mask outline and joints over the drawing",
        default=False,
        update=lambda self, context: redraw_all(context),
    )
    # In background mode the callbacks are registered but never called (no window to draw).
    for space, callback, stage in ((bpy.types.SpaceView3D, _draw_drawing_in_viewport, "POST_VIEW"),
                                   (bpy.types.SpaceView3D, _draw_shapes_in_viewport, "POST_PIXEL"),
                                   (bpy.types.SpaceImageEditor, _draw_in_image_editor, "POST_PIXEL")):
        _handlers.append((space, space.draw_handler_add(callback, (), "WINDOW", stage)))


def unregister_module() -> None:
    while _handlers:
        space, handle = _handlers.pop()
        space.draw_handler_remove(handle, "WINDOW")
    if hasattr(bpy.types.WindowManager, "animate_drawing_show_review"):
        del bpy.types.WindowManager.animate_drawing_show_review
