"""A small LMTP/SMTP listener (aiosmtpd) that hands each message to `receive`.

The MTA in front of Ask ISO (Postfix, Exim, ...) delivers to it over LMTP, or
any SMTP client for a plain SMTP listener. A message is acknowledged (250)
only after its raw bytes are stored; when the database is unreachable it
answers 451 so the MTA keeps the message and tries again.
"""

import asyncio

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP

from askiso.extensions import db


class InboundHandler:
    """aiosmtpd handler: store and route each message within an app context."""

    def __init__(self, app, source="smtp"):
        self.app = app
        self.source = source

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            await asyncio.get_running_loop().run_in_executor(None, self._receive, raw)
        except Exception:  # storage failed: the sender keeps the message and retries
            self.app.logger.exception("inbound message could not be stored")
            return "451 4.3.0 Temporary failure, try again later"
        return "250 2.0.0 Message accepted"

    def _receive(self, raw):
        from askiso.mail.inbound import receive

        with self.app.app_context():
            try:
                receive(raw, source=self.source)
            finally:
                db.session.remove()


class _LMTPController(Controller):
    def factory(self):
        return LMTP(self.handler, **self.SMTP_kwargs)


def make_controller(app, host="127.0.0.1", port=8024, lmtp=True):
    """A started-on-demand aiosmtpd controller (LMTP by default, SMTP with lmtp=False)."""
    limit = app.config.get("MAIL_INBOUND_MAX_BYTES", 10 * 1024 * 1024)
    cls = _LMTPController if lmtp else Controller
    handler = InboundHandler(app, source="lmtp" if lmtp else "smtp")
    # Accept a little over the storage limit so that an oversized message is kept (truncated) for review.
    return cls(handler, hostname=host, port=port, data_size_limit=limit * 2, decode_data=False)


__all__ = ["InboundHandler", "make_controller"]
