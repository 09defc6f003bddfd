"""The CAMS blueprint object, shared by the staff and self-service view modules."""

from flask import Blueprint

bp = Blueprint("cams", __name__)


@bp.app_template_global("cams_memberships_for")
def _memberships_for(user):
    """For templates elsewhere (the account page): a person's memberships, ended ones included."""
    from askiso.cams.services import memberships_for

    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return memberships_for(user, include_ended=True)


@bp.app_template_global("cams_role_labels")
def _role_labels(roles):
    from askiso.cams.services import role_labels

    return role_labels(roles)


@bp.app_template_global("cams_protects_last_sa")
def _protects_last_sa(membership, staff=False):
    """The named last-SA rule, for hiding buttons that the service would refuse anyway."""
    from askiso.cams.rules import protects_last_security_admin

    return protects_last_security_admin(membership, staff=staff)
