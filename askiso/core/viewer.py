"""Who a scoped read is for: asking without a signed-in, active viewer is an error (fail closed).

Used by askiso/visibility.py (the rule) and askiso/cams/memberships.py (the facts it reads).
"""


class VisibilityError(RuntimeError):
    """A scoped query was asked for without a viewer."""


def require_viewer(viewer):
    """Raise VisibilityError unless `viewer` is a signed-in, active account."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        raise VisibilityError("a visibility-scoped query needs a signed-in viewer")
    if not getattr(viewer, "is_active", False):
        raise VisibilityError("an inactive account sees nothing")
