"""Building incoming messages for the ingest tests."""

from email.message import EmailMessage

from askiso.mail.addresses import reply_address


def incoming(frm, subject="Hello", body="Hello there", to="support@askiso.local", attachments=(), **headers):
    msg = EmailMessage()
    msg["From"] = frm
    msg["To"] = to
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    for filename, data, maintype, subtype in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


QUOTED_REPLY = """Here is the statement you asked for.

Best regards,
Ann User
Alpha Power LLC

On Mon, Jan 5, 2026 at 10:00 AM Ask ISO <support@askiso.local> wrote:
> Please send the statement.
> INTERNAL-LOOKING quoted history that must not be stored
"""


def reply_to_case(user, case, body=QUOTED_REPLY, **kw):
    return incoming(
        f"{user.name} <{user.email}>", f"Re: [{case.number}] {case.subject}", body, to=reply_address(case), **kw
    )
