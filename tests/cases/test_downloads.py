"""Every download route sends the same safe headers (issue 20, finding 7).

Attack: a file opened through the tracking link came without the sandbox CSP the other
download routes send, so a browser that rendered it ran it with the site's origin.
"""

from sqlalchemy import select

from askiso.api.tokens import create_token
from askiso.cases import services
from askiso.cases.downloads import DOWNLOAD_HEADERS
from askiso.cases.models import Attachment
from askiso.extensions import db
from tests.cases.helpers import new_case, pdf_file
from tests.inquiries.conftest import submit_and_confirm


def _safe(response):
    assert response.status_code == 200
    for name, value in DOWNLOAD_HEADERS.items():
        if name == "Cache-Control":
            assert "no-store" in response.headers[name]
        else:
            assert response.headers[name] == value, name
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_case_page_staff_api_and_tracking_link_downloads_send_the_same_headers(app, client, people, client_for):
    case = new_case(people.alpha_user, people.alpha, files=[pdf_file("statement.pdf")])
    [attached] = db.session.scalars(select(Attachment).where(Attachment.case_id == case.id)).all()
    _, token = create_token(people.alpha_user, "downloads", scope="read")
    db.session.commit()
    _safe(client_for(people.alpha_user).get(f"/cases/{case.number}/files/{attached.id}"))
    _safe(client_for(people.agent).get(f"/cases/{case.number}/files/{attached.id}"))
    _safe(app.test_client().get(f"/api/v1/cases/{case.number}/attachments/{attached.id}",
                                headers={"Authorization": f"Bearer {token}"}))

    inquiry, tracking = submit_and_confirm(client)
    services.add_message(inquiry, people.agent, "Here is the form.", files=[pdf_file("form.pdf")])
    db.session.commit()
    staff_file = db.session.scalar(select(Attachment).where(Attachment.case_id == inquiry.id))
    _safe(app.test_client().get(f"/inquiries/t/{tracking}/files/{staff_file.id}"))
