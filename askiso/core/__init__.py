"""Small shared helpers used by several features."""
