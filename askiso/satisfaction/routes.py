"""Rating a resolved case: the signed link from the resolution email, and the case page's form."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField

from askiso.cases.lookup import get_case_or_404
from askiso.core.access import login_required, public
from askiso.core.unit_of_work import discard
from askiso.extensions import limiter
from askiso.satisfaction import services
from askiso.satisfaction.models import SCORE_LABELS, SCORES

bp = Blueprint("satisfaction", __name__)


class RatingForm(FlaskForm):
    score = RadioField("How did we do?", choices=[(s, SCORE_LABELS[s]) for s in SCORES], validate_choice=False)
    comment = TextAreaField("Comment (optional)", render_kw={"rows": 4, "maxlength": services.COMMENT_MAX})


@bp.route("/rate/<token>", methods=["GET", "POST"])
@public
@limiter.limit("30/minute", methods=["POST"])
def rate(token):
    """The one-click link of the resolution email: the score is chosen, a comment may be added."""
    found = services.case_for_token(token)
    if found is None:
        return render_template("satisfaction/link_invalid.html"), 404
    case, submitter = found
    form = RatingForm()
    if request.method == "GET" and request.args.get("score") in SCORES:
        form.score.data = request.args["score"]
    if request.method == "POST" and form.validate():
        try:
            services.rate(case, submitter, form.score.data, form.comment.data, source="email")
        except services.RatingError as exc:
            form.score.errors = [str(exc)]
        else:
            return render_template("satisfaction/thanks.html", number=case.number)
    already = services.rating_of(case) is not None
    status = 400 if form.errors else 200
    return render_template("satisfaction/rate.html", form=form, number=case.number, already=already), status


@bp.route("/cases/<number>/rating", methods=["POST"])
@login_required
def rate_case(number):
    """The case page's "How did we do?" form (the submitter, signed in)."""
    case = get_case_or_404(number, current_user)
    if not services.may_rate(current_user, case):
        abort(404 if case.submitter_id != current_user.id else 400)
    form = RatingForm()
    if form.validate():
        try:
            services.rate(case, current_user, form.score.data, form.comment.data, source="web")
        except services.RatingError as exc:
            discard("RatingError refused the request's change")
            flash(str(exc), "error")
            return redirect(url_for("cases.view", number=case.number, comment=form.comment.data[:500]) + "#rating")
        flash("Thank you for your rating.", "success")
    else:
        flash("The form expired. Please send your rating again.", "error")
    return redirect(url_for("cases.view", number=case.number) + "#rating")


@bp.app_template_global()
def case_rating_form(case):
    """(form, current rating) for the case page when the signed-in person may rate it, else None."""
    if not services.may_rate(current_user, case):
        return None
    rating = services.rating_of(case)
    form = RatingForm(
        formdata=None,
        score=rating.score if rating else None,
        comment=request.args.get("comment") or (rating.comment if rating else ""),
    )
    return form, rating


@bp.app_template_global()
def rating_links(case, recipient):
    """{score: one-click link} for the resolution email to the case's submitter, else None."""
    submitter = case.submitter
    if case.status != "resolved" or submitter is None or (recipient or "").lower() != submitter.email.lower():
        return None
    return {score: services.rating_url(case, score) for score in SCORES}
