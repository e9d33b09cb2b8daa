"""Frames and files: the flat renderer's Blender side, movie/GIF/PNG encoding, exports, scene set-up."""
