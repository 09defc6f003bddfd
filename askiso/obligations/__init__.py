"""Obligations: participants asked to file a case of one request type by a due time."""
