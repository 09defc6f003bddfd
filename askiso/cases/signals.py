"""Case events, sent inside the transaction that makes the change.

Receivers (mail notifications, service levels, search) connect to these so
that the case services never need to know who listens. A receiver must only
add rows to the current session; side effects outside the database happen
after commit (outbox worker, search queue worker).
"""

from contextlib import contextmanager
from contextvars import ContextVar

from blinker import Namespace

_signals = Namespace()

# sender: a new Case before it is inserted (no id yet); receivers may set its fields. kwargs: actor
case_receiving = _signals.signal("case-receiving")
# sender: the Case. kwargs: actor, participant (its company with .name and .code as the submission
# had it: a Participant or a membership's company; None without one), request_type (its request
# type as the submission had it, a catalogue row with .name; absent: the case's own)
case_created = _signals.signal("case-created")
# sender: the Case. kwargs: actor, message
message_added = _signals.signal("message-added")
# sender: the Case. kwargs: actor, old_status, new_status, reason
status_changed = _signals.signal("status-changed")
# sender: the Case. kwargs: actor, changes ({field: (old, new)})
case_changed = _signals.signal("case-changed")
# sender: the Case. kwargs: actor, user, added (bool)
contact_changed = _signals.signal("contact-changed")
# sender: the Case. kwargs: actor, held (what receivers held during the submit: see one_submit)
submit_done = _signals.signal("submit-done")

# One submit that makes several changes of a case at once (the staff case page or a macro: a reply,
# a new status, a new priority). Receivers that email people of each change hold what they would
# have sent in `held_for(case)` while it lasts, and send one email per person on `submit_done`,
# when the case is as the submit left it.
_open_submit = ContextVar("askiso_open_submit", default=None)


@contextmanager
def one_submit(case, actor=None):
    """Changes of `case` made inside are one submit: `submit_done` is sent after them (not when
    one of them raised)."""
    held = {}
    token = _open_submit.set((case.id, held))
    try:
        yield
    finally:
        _open_submit.reset(token)
    submit_done.send(case, actor=actor, held=held)


def held_for(case):
    """While a submit of `case` is open, the dict where receivers hold what they send when it is
    done (keys named after the receiver's module); otherwise None."""
    current = _open_submit.get()
    return current[1] if current is not None and current[0] == case.id else None
