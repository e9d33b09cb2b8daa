"""Tiny fixtures for the vision tests, made by code (no binary files in the repository)."""
