"""The support staff workspace."""
