"""Signals about accounts, for features that act on them (the inquiries join the account).

Receivers connect when their module is imported (askiso/__init__.py SIGNAL_RECEIVERS).
"""

from blinker import Namespace

_signals = Namespace()

# sender: the User whose email address was just proved (an emailed link was used).
address_proved = _signals.signal("address-proved")
