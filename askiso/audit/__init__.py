"""Audit log feature."""
