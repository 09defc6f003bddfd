"""Named access rules for views: who may reach which page."""

from functools import wraps

from flask import abort, flash, g, redirect, request, url_for
from flask_login import current_user

# Endpoints reachable without signing in. The route-inventory test fails when
# an endpoint is neither here nor protected by a login check.
PUBLIC_ENDPOINTS = set()


def public(view):
    """Mark a view as reachable without signing in."""
    PUBLIC_ENDPOINTS.add(view.__module__ + "." + view.__name__)
    view.is_public = True
    return view


def staff_required(view=None, *, role="agent"):
    """Signed in, staff of at least `role`, and two-factor enrolled."""
    order = {"agent": 1, "supervisor": 2, "admin": 3}

    def decorator(fn):
        @wraps(fn)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path))
            if not current_user.is_staff:
                abort(404)
            if not current_user.has_totp:
                flash("Staff must turn on two-factor authentication first.", "warning")
                return redirect(url_for("auth.totp_setup"))
            if order.get(current_user.staff_role, 0) < order[role]:
                g.required_staff_role = role  # the error page says which role the page is for
                abort(403)
            return fn(*args, **kwargs)

        wrapped.login_protected = True
        return wrapped

    return decorator(view) if view is not None else decorator


def login_required(fn):
    """Signed in (any account)."""

    @wraps(fn)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        return fn(*args, **kwargs)

    wrapped.login_protected = True
    return wrapped
