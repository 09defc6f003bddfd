"""Public key set, the public verify page, and a case's receipt PDF."""

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField

from askiso.cases.lookup import get_case_or_404
from askiso.core.access import login_required, public
from askiso.extensions import limiter
from askiso.receipts import keys, services

bp = Blueprint("receipts", __name__)
VERIFY_LIMIT = "30/minute"


class VerifyForm(FlaskForm):
    receipt = TextAreaField("Receipt (the text that starts with eyJ)")
    pdf = FileField("Or the receipt PDF")


def issuer():
    return current_app.config["EXTERNAL_URL"].rstrip("/")


@bp.route("/.well-known/jwks.json")
@public
def jwks():
    """The receipt-signing public keys, retired ones included."""
    response = jsonify(keys.jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/receipts/verify", methods=["GET", "POST"])
@public
@limiter.limit(VERIFY_LIMIT, methods=["POST"])
def verify():
    """Paste a receipt or upload its PDF: is it signed by this ISO, and what does it state?"""
    form = VerifyForm()
    verdict, status = None, 200
    if request.method == "POST":
        if not form.validate():
            status = 400
        else:
            token, problem = _token_from(form)
            verdict = services.verify_receipt(token) if problem is None else services.Verdict.invalid(problem)
            status = 200 if verdict["valid"] else 422
    return render_template("receipts/verify.html", form=form, verdict=verdict, issuer=issuer()), status


def _token_from(form):
    """The receipt to check: the pasted text, else the one embedded in the uploaded PDF."""
    pasted = (form.receipt.data or "").strip()
    upload = request.files.get("pdf")
    if pasted:
        return pasted, None
    if upload and upload.filename:
        from askiso.receipts.pdf import MAX_PDF_BYTES, receipt_from_pdf  # PDF libraries: on use only

        token = receipt_from_pdf(upload.stream.read(MAX_PDF_BYTES + 1))
        if token is None:
            return None, "This file is not an Ask ISO receipt PDF: no receipt is embedded in it."
        return token, None
    return None, "Paste a receipt or choose a receipt PDF."


@bp.route("/cases/<number>/receipt.pdf")
@login_required
def case_pdf(number):
    """The case's receipt as a PDF, for people who may see the case."""
    case = get_case_or_404(number, current_user)
    receipt = services.receipt_of(case)
    if receipt is None:
        abort(404)
    from askiso.receipts.pdf import receipt_pdf  # PDF libraries: on use only

    response = current_app.response_class(receipt_pdf(case, receipt, issuer()), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="receipt-{case.number}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
