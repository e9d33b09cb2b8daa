"""File formats shared by several layers (pure: numpy, yaml, no bpy).

    char_cfg   AnimatedDrawings character files: char_cfg.yaml / bounding_box.yaml
               (`CharacterConfig`, `Joint`), written by models/ (annotate) and read by rig/

A format lives here when more than one layer reads or writes it, so that no layer imports
another only for a file layout (models/ used to import rig/ for char_cfg).
"""
