"""Case events, sent inside the transaction that makes the change.

Receivers (mail notifications, service levels, search) connect to these so
that the case services never need to know who listens. A receiver must only
add rows to the current session; side effects outside the database happen
after commit (outbox worker, search queue worker).
"""

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
