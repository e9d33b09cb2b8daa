"""Blender objects from plans: armature, mesh, material, face, camera, a whole character or page cast."""
