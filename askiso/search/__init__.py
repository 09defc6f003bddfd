"""Case search."""
