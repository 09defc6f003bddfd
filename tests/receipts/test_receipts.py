"""Signed receipts: issued at submission, verifiable outside the app, private to who may see the case."""

import hashlib
import io
import json

import jwt as pyjwt
import pytest
from joserfc import jws
from joserfc.jwk import KeySet
from pypdf import PdfReader

from askiso.cams.models import Membership
from askiso.cases import services
from askiso.extensions import db
from askiso.receipts import keys
from askiso.receipts.services import canonical_content, verify_receipt
from tests.api.conftest import make_token
from tests.cases.helpers import PDF, new_case, pdf_file


def _receipt(client, user, number):
    response = client.get(f"/api/v1/cases/{number}/receipt", headers={"Authorization": f"Bearer {make_token(user)}"})
    return response


def _jwks(client):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return response.get_json()


def _verify(client, token):
    return client.post("/api/v1/receipts/verify", json={"receipt": token})


@pytest.fixture
def filed(app, people):
    return new_case(people.alpha_user, people.alpha, files=[pdf_file("statement.pdf")],
                    subject="Dispute of “line 42”", description="Charge is wrong.")


def test_api_receipt_verifies_with_standard_jose_libraries_and_the_published_keys(client, people, filed):
    body = _receipt(client, people.alpha_user, filed.number).get_json()
    token = body["receipt"]
    key_set = KeySet.import_key_set(_jwks(client))
    obj = jws.deserialize_compact(token, key_set, algorithms=["EdDSA"])
    claims = json.loads(obj.payload)
    assert claims["case"] == filed.number
    assert claims["participant"] == "ALPHA"
    assert claims["submitter"] == people.alpha_user.email
    assert claims["request_type"] == "general_question"
    assert claims["iss"] == "http://127.0.0.1:5000"
    assert claims["received_at"].startswith(filed.received_at.isoformat()[:19])
    assert claims["files"] == [{"name": "statement.pdf", "size": len(PDF), "sha256": hashlib.sha256(PDF).hexdigest()}]
    assert claims["content_sha256"] == hashlib.sha256(canonical_content(filed)).hexdigest()
    # An independent implementation (PyJWT) agrees.
    header = pyjwt.get_unverified_header(token)
    jwk = next(k for k in _jwks(client)["keys"] if k["kid"] == header["kid"])
    decoded = pyjwt.decode(token, pyjwt.PyJWK(jwk).key, algorithms=["EdDSA"])
    assert decoded == claims
    assert body["claims"] == claims


def test_content_digest_is_rfc8785_of_subject_description_fields(app, people):
    case = new_case(people.alpha_user, people.alpha, subject="Ünïcode subject", description="Body")
    expected = b'{"description":"Body","fields":{},"subject":"\xc3\x9cn\xc3\xafcode subject"}'
    assert canonical_content(case) == expected


def test_changing_any_one_character_makes_it_invalid(client, people, filed):
    token = _receipt(client, people.alpha_user, filed.number).get_json()["receipt"]
    answer = _verify(client, token).get_json()
    assert answer["valid"] is True and answer["claims"]["case"] == filed.number
    for position in range(len(token)):
        if token[position] == ".":
            continue
        changed = token[:position] + ("B" if token[position] != "B" else "C") + token[position + 1 :]
        assert verify_receipt(changed)["valid"] is False, position
    middle = len(token) // 2
    changed = token[:middle] + ("x" if token[middle] != "x" else "y") + token[middle + 1 :]
    answer = _verify(client, changed)
    assert answer.status_code == 200
    assert answer.get_json()["valid"] is False and answer.get_json()["claims"] == {}
    assert answer.get_json()["reason"]


def test_verify_api_refuses_a_body_without_a_receipt(client):
    assert client.post("/api/v1/receipts/verify", json={}).status_code == 400
    assert _verify(client, "not.a.receipt").get_json()["valid"] is False


def test_the_receipt_never_changes_and_never_holds_internal_notes(client, people, filed):
    before = _receipt(client, people.alpha_user, filed.number).get_json()["receipt"]
    case = db.session.get(type(filed), filed.id)
    services.add_message(case, people.agent, "INTERNAL-SECRET credit check", internal=True,
                         files=[pdf_file("internal.pdf")])
    services.add_message(case, people.agent, "A public reply")
    db.session.commit()
    after = _receipt(client, people.alpha_user, filed.number).get_json()
    assert after["receipt"] == before
    assert "INTERNAL-SECRET" not in json.dumps(after["claims"]) and "internal.pdf" not in json.dumps(after["claims"])
    staff_view = _receipt(client, people.agent, filed.number).get_json()
    assert staff_view["receipt"] == before


def test_rotation_keeps_old_receipts_valid(client, people, runner, filed):
    old = _receipt(client, people.alpha_user, filed.number).get_json()
    result = runner.invoke(args=["receipts", "rotate-key"])
    assert result.exit_code == 0, result.output
    newer = new_case(people.alpha_user, people.alpha)
    new = _receipt(client, people.alpha_user, newer.number).get_json()
    assert new["kid"] != old["kid"]
    published = {k["kid"] for k in _jwks(client)["keys"]}
    assert {old["kid"], new["kid"]} <= published
    assert all("d" not in k for k in _jwks(client)["keys"])  # never a private part
    for token in (old["receipt"], new["receipt"]):
        assert _verify(client, token).get_json()["valid"] is True
        jws.deserialize_compact(token, KeySet.import_key_set(_jwks(client)), algorithms=["EdDSA"])


@pytest.mark.parametrize("who", ["beta_user", "beta_manager", "former", "outsider", "alpha_colleague"])
def test_people_who_may_not_see_the_case_get_404(client, people, filed, who):
    response = _receipt(client, getattr(people, who), filed.number)
    assert response.status_code == 404
    assert "receipt" not in response.get_json()


def test_a_member_whose_membership_ended_loses_the_receipt(client, people, filed):
    membership = db.session.query(Membership).filter_by(
        user_id=people.alpha_user.id, participant_id=people.alpha.id
    ).one()
    membership.is_active = False
    db.session.commit()
    assert _receipt(client, people.alpha_user, filed.number).status_code == 404
    assert _receipt(client, people.alpha_user, "AI-2026-999999").status_code == 404


def test_receipt_pdf_is_private(app, people, filed, auth, client):
    auth.login(people.beta_user)
    assert client.get(f"/cases/{filed.number}/receipt.pdf").status_code == 404


def test_receipt_page_links_pdf_that_carries_the_jws(app, people, filed, auth, client):
    auth.login(people.alpha_user)
    case_page = client.get(f"/cases/{filed.number}").get_data(as_text=True)
    assert f"/cases/{filed.number}/receipt" in case_page
    page = client.get(f"/cases/{filed.number}/receipt").get_data(as_text=True)
    token = db.session.get(type(filed), filed.id) and _stored(filed)
    assert token in page and f"/cases/{filed.number}/receipt.pdf" in page
    response = client.get(f"/cases/{filed.number}/receipt.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert reader.attachments["receipt.jws"][0].decode() == token
    text = "".join(p.extract_text() for p in reader.pages)
    assert filed.number in text and "statement.pdf" in text


def _stored(case):
    from askiso.receipts.services import receipt_of

    return receipt_of(case).jws


def test_verify_page_works_without_login_for_text_and_pdf(app, people, filed, auth):
    token = _stored(filed)
    auth.login(people.alpha_user)
    pdf = auth.client.get(f"/cases/{filed.number}/receipt.pdf").data
    anonymous = app.test_client()
    assert anonymous.get("/receipts/verify").status_code == 200
    page = anonymous.post("/receipts/verify", data={"receipt": token})
    assert page.status_code == 200 and "Valid receipt" in page.get_data(as_text=True)
    assert filed.number in page.get_data(as_text=True)
    page = anonymous.post("/receipts/verify", data={"pdf": (io.BytesIO(pdf), "receipt.pdf")},
                          content_type="multipart/form-data")
    assert page.status_code == 200 and "Valid receipt" in page.get_data(as_text=True)
    page = anonymous.post("/receipts/verify", data={"receipt": token[:-3] + "abc"})
    assert page.status_code == 422 and "Not a valid receipt" in page.get_data(as_text=True)
    page = anonymous.post("/receipts/verify", data={"pdf": (io.BytesIO(PDF), "other.pdf")},
                          content_type="multipart/form-data")
    assert page.status_code == 422 and "no receipt is embedded" in page.get_data(as_text=True)


def test_cli_verify_reads_text_and_pdf(app, people, filed, runner, tmp_path, auth):
    token = _stored(filed)
    good = tmp_path / "receipt.jws"
    good.write_text(token + "\n")
    result = runner.invoke(args=["receipts", "verify", str(good)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["claims"]["case"] == filed.number
    auth.login(people.alpha_user)
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(auth.client.get(f"/cases/{filed.number}/receipt.pdf").data)
    assert runner.invoke(args=["receipts", "verify", str(pdf)]).exit_code == 0
    bad = tmp_path / "bad.jws"
    bad.write_text(token.replace(token[40], "A" if token[40] != "A" else "B", 1))
    result = runner.invoke(args=["receipts", "verify", str(bad)])
    assert result.exit_code == 1 and json.loads(result.output)["valid"] is False


def test_signing_key_is_made_once_in_the_instance_folder(app):
    key = keys.signing_key()
    assert keys.key_path().exists() and keys.key_path().stat().st_mode & 0o077 == 0
    assert keys.signing_key().kid == key.kid


def _captured(app, row_id):
    import email
    from email import policy
    from pathlib import Path

    path = Path(app.config["MAIL_CAPTURE_DIR"]) / f"{row_id:08d}.eml"
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


def _receipt_row(case):
    from sqlalchemy import select

    from askiso.mail.models import OutboxEmail

    return db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.case_id == case.id, OutboxEmail.kind == "case_receipt")
    ).one()


def test_receipt_email_carries_the_receipt_pdf_with_the_jws(app, people, filed):
    from askiso.mail.sender import send_all

    row = _receipt_row(filed)
    send_all()
    message = _captured(app, row.id)
    pdfs = [part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert [part.get_filename() for part in pdfs] == [f"receipt-{filed.number}.pdf"]
    reader = PdfReader(io.BytesIO(pdfs[0].get_content()))
    token = reader.attachments["receipt.jws"][0].decode()
    assert token == _stored(filed) and verify_receipt(token)["valid"] is True
    assert "/receipts/verify" in message.get_body(("plain",)).get_content()


def test_receipt_email_still_goes_when_the_pdf_cannot_be_made(app, people, filed, monkeypatch):
    from askiso.mail.sender import send_all
    from askiso.receipts import pdf

    def broken(*args):
        raise RuntimeError("no fonts today")

    monkeypatch.setattr(pdf, "receipt_pdf", broken)
    row = _receipt_row(filed)
    send_all()
    db.session.refresh(row)
    assert row.status == "sent"
    message = _captured(app, row.id)
    assert list(message.iter_attachments()) == []
    assert filed.number in message.get_body(("plain",)).get_content()
