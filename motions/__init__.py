"""motions package."""
