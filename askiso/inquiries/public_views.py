"""Submit an inquiry, confirm the address, and ask for lost links again (all public)."""

from flask import current_app, flash, make_response, redirect, render_template, request, url_for

from askiso.cases.services import InvalidCase
from askiso.core.access import public
from askiso.core.unit_of_work import discard
from askiso.extensions import limiter
from askiso.inquiries import services
from askiso.inquiries.blueprint import (
    CONFIRM_PER_ADDRESS,
    LOST_PER_ADDRESS,
    LOST_PER_EMAIL,
    SUBMIT_PER_ADDRESS,
    SUBMIT_PER_EMAIL,
    bp,
    client_key,
    form_email_key,
)
from askiso.inquiries.forms import ConfirmForm, InquiryForm, LostLinkForm, make_stamp, stamp_problem
from askiso.inquiries.links import send_lost_links

LOST_SENT = (
    "If that address sent us an inquiry, we have emailed it a new private link for each one. "
    "Check your spam folder if nothing arrives within a few minutes."
)


def render_new_form(form=None, notice=None, status=200, field_errors=None):
    """The inquiry page; `notice` explains a refusal while keeping what was typed."""
    form = form or InquiryForm()
    types = services.inquiry_request_types()
    form.request_type.choices = [(t.key, t.name) for t in types]
    form.topic.choices = [("", "Choose a topic (optional)")] + [(t.key, t.name) for t in services.inquiry_topics()]
    form.stamp.data = make_stamp()
    typed = {k[len("field-"):]: v for k, v in request.form.items() if k.startswith("field-")}
    html = render_template(
        "inquiries/new.html",
        form=form,
        request_types=types,
        typed_fields=typed,
        field_errors=field_errors or {},
        notice=notice,
    )
    return make_response(html, status)


def _submission(form):
    return services.InquirySubmission(
        name=form.name.data,
        email=form.email.data,
        organization=form.organization.data or "",
        request_type_key=form.request_type.data,
        topic_key=form.topic.data or None,
        subject=form.subject.data,
        description=form.description.data,
        field_values={k[len("field-"):]: v for k, v in request.form.items() if k.startswith("field-")},
    )


def _apply_errors(form, errors):
    """Service errors next to their fields; request-type fields keyed by their name."""
    extra = {}
    for name, message in errors.items():
        if name.startswith("fields."):
            extra[name[len("fields."):]] = message
        elif name in form:
            form[name].errors = list(form[name].errors) + [message]
        else:
            form.request_type.errors = list(form.request_type.errors) + [message]
    return extra


@bp.route("/inquiries/new", methods=["GET", "POST"])
@limiter.limit(SUBMIT_PER_ADDRESS, methods=["POST"], key_func=client_key)
@limiter.limit(SUBMIT_PER_EMAIL, methods=["POST"], key_func=form_email_key)
@public
def new():
    """The public inquiry form for people who act for no market participant."""
    form = InquiryForm()
    if not form.validate_on_submit():
        return render_new_form(form, status=400 if request.method == "POST" else 200)
    if form.website.data:
        current_app.logger.info("inquiry honeypot filled from %s", request.remote_addr)
        return redirect(url_for("inquiries.sent"))  # the same answer as a real submission
    problem = stamp_problem(form.stamp.data)
    if problem:
        return render_new_form(form, notice="too_fast" if problem == "fast" else "expired", status=400)
    try:
        services.submit_inquiry(_submission(form), ip_address=request.remote_addr)
    except InvalidCase as exc:
        discard("InvalidCase refused the request's change")
        return render_new_form(form, status=400, field_errors=_apply_errors(form, exc.errors))
    except services.AddressStopped:
        discard("AddressStopped refused the request's change")
        form.email.errors = list(form.email.errors) + [
            "Ask ISO has stopped sending email to this address because its owner asked us to, "
            "so we cannot send the confirmation link. Use another address, or ask ISO Participant "
            "Support to resume mail to this one."
        ]
        return render_new_form(form, status=400)
    return redirect(url_for("inquiries.sent"))


@bp.route("/inquiries/sent")
@public
def sent():
    """The one answer to every accepted submission: check your mail."""
    return render_template("inquiries/sent.html")


@bp.route("/inquiries/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(CONFIRM_PER_ADDRESS, methods=["POST"], key_func=client_key)
@public
def confirm(token):
    """The emailed link: a button creates the case(s) and shows the private tracking link."""
    rows = services.pending_for_token(token)
    if rows is None:
        return render_template("inquiries/confirm_invalid.html"), 410
    form = ConfirmForm()
    if not form.validate_on_submit():
        done = all(r.confirmed_at is not None for r in rows)
        return render_template("inquiries/confirm.html", form=form, rows=rows, done=done)
    try:
        made = services.confirm(token)
    except InvalidCase as exc:
        discard("InvalidCase refused the request's change")
        flash(" ".join(exc.errors.values()), "error")
        return render_template("inquiries/confirm_invalid.html"), 410
    if not made:
        return render_template("inquiries/confirm.html", form=form, rows=rows, done=True)
    links = [(case, url_for("inquiries.track", token=tracking, _external=True)) for case, tracking in made]
    return render_template("inquiries/receipt.html", made=links)


@bp.route("/inquiries/lost", methods=["GET", "POST"])
@limiter.limit(LOST_PER_ADDRESS, methods=["POST"], key_func=client_key)
@limiter.limit(LOST_PER_EMAIL, methods=["POST"], key_func=form_email_key)
@public
def lost():
    """Lost your link? New links go to the address only if it owns an inquiry."""
    form = LostLinkForm()
    if form.validate_on_submit():
        if not form.website.data:
            send_lost_links(form.email.data)
        flash(LOST_SENT, "info")
        return redirect(url_for("inquiries.lost"))
    return render_template("inquiries/lost.html", form=form), 400 if request.method == "POST" else 200


# Here, not in blueprint.py: it renders the inquiry form (render_new_form).
@bp.errorhandler(429)
def _too_many(exc):
    """A clear, polite answer that keeps what was typed on the inquiry form."""
    retry = getattr(exc, "retry_after", None) or 3600
    if request.endpoint == "inquiries.new":
        response = render_new_form(notice="limit", status=429)
    else:
        response = make_response(render_template("inquiries/limited.html"), 429)
    response.headers["Retry-After"] = str(retry)
    return response
