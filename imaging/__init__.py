"""Array-level image operations (decode/encode, resampling, outlines, morphology, drawing).

Written on numpy, with Blender's own image decoder, so the extension ships without an OpenCV
wheel: that wheel alone is 37-57 MB per platform, more than the whole extension may weigh.
"""
