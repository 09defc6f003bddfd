"""Files attached to an outbox email, built when the worker sends it.

The outbox keeps text only; a feature that wants a file on one kind of email
registers a builder for that kind (`@attachment_for("case_receipt")`). The
builder gets the outbox row and returns `(filename, content_type, data)` or
None. A builder that fails never stops the email: it is sent without the file
(the email's text says where else to get it) and the failure is logged.
"""

import logging

_log = logging.getLogger(__name__)
_builders = {}


def attachment_for(kind):
    """Register `fn(row)` as the builder of `kind` emails' attachment."""

    def register(fn):
        _builders[kind] = fn
        return fn

    return register


def attachments_for(row):
    """The files to attach to this outbox row: a list of (filename, content_type, data)."""
    build = _builders.get(row.kind)
    if build is None:
        return []
    try:
        made = build(row)
    except Exception:  # the email still goes; its text links to the same file
        _log.exception("outbox email %s: could not build its %s attachment; sending without it", row.id, row.kind)
        return []
    return [made] if made is not None else []
