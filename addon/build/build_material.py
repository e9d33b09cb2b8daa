"""Drawing texture → packed images and an unlit, alpha-cut material.

Emission (strength 1) mixed with Transparent BSDF by the image alpha shows the drawing's own
colours under any lighting (with the 'Standard' view transform) and nothing outside the
figure. The mask is kept as its own image so the user can repaint it and `rebuild_rig` can
read it back. Images are created from pixels and packed only when the .blend is saved
(`pack_if_modified`, from a save handler): PNG-encoding a drawing costs 50-200 ms, more than
building the whole rig.
"""

from __future__ import annotations

import numpy as np
import bpy


def _to_blender_pixels(rgba: np.ndarray) -> np.ndarray:
    """(H, W, 4) uint8 top-down → flat float32 bottom-up, as `Image.pixels` stores them."""
    return (np.ascontiguousarray(rgba[::-1], dtype=np.float32) / 255.0).ravel()


def write_image_pixels(image: bpy.types.Image, rgba: np.ndarray) -> None:
    """Overwrite an image's pixels (same size); it is re-packed when the .blend is saved."""
    image.pixels.foreach_set(_to_blender_pixels(rgba))
    image.update()


def new_image(name: str, rgba: np.ndarray, non_color: bool = False) -> bpy.types.Image:
    height, width = rgba.shape[:2]
    image = bpy.data.images.new(name, width, height, alpha=True)
    if non_color:
        image.colorspace_settings.name = "Non-Color"
    write_image_pixels(image, rgba)
    return image


def pack_if_modified(image: bpy.types.Image) -> None:
    """Pack the image's current pixels into the .blend unless they are packed already."""
    if image.packed_file is None or image.is_dirty:
        image.pack()


def mask_to_rgba(mask: np.ndarray) -> np.ndarray:
    """Bool mask → opaque white-on-black RGBA (paintable in the image editor)."""
    grey = np.where(mask, 255, 0).astype(np.uint8)
    return np.dstack([grey, grey, grey, np.full_like(grey, 255)])


def read_image_rgba(image: bpy.types.Image) -> np.ndarray:
    """Image pixels → (H, W, 4) uint8 top-down."""
    width, height = image.size
    flat = np.empty(width * height * 4, dtype=np.float32)
    image.pixels.foreach_get(flat)
    return np.round(flat.reshape(height, width, 4)[::-1] * 255.0).astype(np.uint8)


def read_mask(image: bpy.types.Image) -> np.ndarray:
    """Mask image → (H, W) bool: painted brighter than mid grey."""
    return read_image_rgba(image)[..., 0] >= 128


def build_material(name: str, texture_image: bpy.types.Image) -> bpy.types.Material:
    material = bpy.data.materials.new(name)
    if material.node_tree is None:  # Blender < 5.0 starts materials without nodes
        material.use_nodes = True
    if hasattr(material, "surface_render_method"):  # EEVEE Next: real alpha blending
        material.surface_render_method = "BLENDED"
    material.use_backface_culling = False
    tree = material.node_tree
    tree.nodes.clear()
    nodes, links = tree.nodes, tree.links
    image_node = nodes.new("ShaderNodeTexImage")
    image_node.image = texture_image
    image_node.location = (-600, 0)
    emission = nodes.new("ShaderNodeEmission")
    emission.location = (-300, -100)
    transparent = nodes.new("ShaderNodeBsdfTransparent")
    transparent.location = (-300, 100)
    mix = nodes.new("ShaderNodeMixShader")
    mix.location = (-50, 0)
    output = nodes.new("ShaderNodeOutputMaterial")
    output.location = (200, 0)
    links.new(image_node.outputs["Color"], emission.inputs["Color"])
    links.new(image_node.outputs["Alpha"], mix.inputs["Fac"])  # alpha 0 → first shader
    links.new(transparent.outputs["BSDF"], mix.inputs[1])
    links.new(emission.outputs["Emission"], mix.inputs[2])
    links.new(mix.outputs["Shader"], output.inputs["Surface"])
    return material
