"""The catalogue as the data migration seeds it (its frozen copy), for tests that walk every type."""

import importlib.util
from pathlib import Path

MIGRATION = Path(__file__).resolve().parent.parent / "migrations" / "versions" / "a4c2e9f7b1d3_reference_catalogue.py"


def catalogue_migration():
    """The catalogue migration's module (its QUEUES, TOPICS, REQUEST_TYPES, SERVICE_LEVELS and seed)."""
    spec = importlib.util.spec_from_file_location("reference_catalogue_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REQUEST_TYPES = catalogue_migration().REQUEST_TYPES
