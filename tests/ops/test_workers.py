"""Worker processes stop cleanly: a stop signal never cuts a batch in half."""

import os
import signal

from askiso.mail import cli as mail_cli


def test_mail_loop_finishes_the_batch_in_hand_then_stops_on_sigterm(app, monkeypatch):
    calls = []

    def send_pending():
        calls.append(1)
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGTERM)  # arrives while the batch is being sent
        if len(calls) > 3:
            raise KeyboardInterrupt("the loop ignored SIGTERM")
        return 1, 0, 0

    monkeypatch.setattr(mail_cli, "send_pending", send_pending)
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        result = app.test_cli_runner().invoke(args=["mail", "send", "--loop", "--interval", "0"])
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)
    assert result.exit_code == 0, result.output
    assert calls == [1]


def test_one_shot_send_installs_no_signal_handlers(app, monkeypatch):
    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(mail_cli, "send_pending", lambda: (0, 0))
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "sent 0, failed 0" in result.output
    assert signal.getsignal(signal.SIGTERM) is before
