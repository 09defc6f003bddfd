"""Personal access tokens on the account page: make (shown once) and revoke.

The account page includes templates/api/_account_tokens.html; these routes
(endpoints api_tokens.*) do the work and have their own page for errors and
for showing a new token.
"""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from askiso.api.forms import TokenForm
from askiso.api.tokens import TokenRefused, create_token, own_token, revoke_token, tokens_of
from askiso.core.access import login_required

bp = Blueprint("api_tokens", __name__, url_prefix="/account/tokens")


@bp.app_template_global("api_tokens_for")
def _tokens_for(user):
    """For the account page: the person's tokens, newest first."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return tokens_of(user)


@bp.app_template_global("api_token_form")
def _token_form():
    return TokenForm(formdata=None)


def _page(form=None, status=200):
    return render_template("api/tokens.html", token_form=form or TokenForm(formdata=None)), status


@bp.route("/", methods=["GET"])
@login_required
def index():
    """The person's API tokens and the form to make one."""
    return _page()


@bp.route("/", methods=["POST"])
@login_required
def create():
    """Make a token and show it once."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        row, token = create_token(current_user, form.name.data, scope=form.scope.data, days=form.days.data)
    except TokenRefused as exc:
        field = getattr(form, exc.field, form.name)
        field.errors = [*field.errors, str(exc)]
        return _page(form, 400)
    return render_template("api/token_created.html", row=row, token=token)


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id):
    """Revoke one of the person's own tokens (someone else's is 404)."""
    row = own_token(current_user, token_id)
    if row is None:
        abort(404)
    revoke_token(row, current_user)
    flash(f"The token “{row.name}” ({row.prefix}…) no longer works.", "success")
    return redirect(url_for("api_tokens.index"))
