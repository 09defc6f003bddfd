"""Staff: the inquiries from people without an account, and linking one to a participant."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from askiso.cams.models import Participant
from askiso.cases.lookup import get_case_or_404
from askiso.cases.models import Case
from askiso.cases.services import CaseError, InvalidCase
from askiso.core.access import staff_required
from askiso.core.unit_of_work import discard
from askiso.extensions import db
from askiso.inquiries import accounts
from askiso.inquiries.blueprint import bp
from askiso.inquiries.forms import LinkParticipantForm
from askiso.inquiries.models import InquiryContact
from askiso.visibility import visible_cases

LIST_LIMIT = 200


@bp.route("/staff/inquiries")
@staff_required
def staff_list():
    """Inquiries sent through the public form, newest first (the staff member's visible cases)."""
    rows = db.session.execute(
        visible_cases(current_user)
        .add_columns(InquiryContact)
        .join(InquiryContact, InquiryContact.case_id == Case.id)
        .order_by(Case.received_at.desc(), Case.id.desc())
        .limit(LIST_LIMIT)
    ).all()
    return render_template("inquiries/staff_list.html", rows=rows, limit=LIST_LIMIT)


@bp.route("/staff/inquiries/<number>")
@staff_required
def staff_show(number):
    """The inquirer's details and the link-to-participant form for one case."""
    case = get_case_or_404(number, current_user)
    return render_template("inquiries/staff_show.html", case=case, link_form=LinkParticipantForm(formdata=None))


@bp.route("/staff/inquiries/<number>/link-participant", methods=["POST"])
@staff_required
def link_participant(number):
    """File an inquiry under a participant; from then on that participant's rules apply."""
    case = get_case_or_404(number, current_user)
    form = LinkParticipantForm()
    if not form.validate_on_submit():
        return render_template("inquiries/staff_show.html", case=case, link_form=form), 400
    code = form.code.data.strip().upper()
    participant = db.session.scalar(select(Participant).where(Participant.code == code))
    try:
        accounts.link_participant(case, current_user, participant)
    except InvalidCase as exc:
        discard("InvalidCase refused the request's change")
        form.code.errors = list(exc.errors.values())
        return render_template("inquiries/staff_show.html", case=case, link_form=form), 400
    except CaseError as exc:
        discard("CaseError refused the request's change")
        flash(str(exc), "error")
        return redirect(url_for("inquiries.staff_show", number=number))
    flash(f"{case.number} now belongs to {participant.name} ({participant.code}).", "success")
    return redirect(url_for("inquiries.staff_show", number=number))
