"""The render engines an output can use, by name (plain data: the CLI's --help lists them
without importing Blender). `flat` is ours (imaging.raster); the others are Blender's."""

ENGINES = ("flat", "cycles", "workbench", "eevee")
