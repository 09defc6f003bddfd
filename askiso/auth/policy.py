"""Password policy after NIST SP 800-63B and OWASP ASVS.

Length 12 to 128, any characters, no composition rules, no rotation; refuse
common and guessable passwords (zxcvbn, fed the person's own details and the
product's name) and say why.
"""

import re

from askiso.auth.passwords import MAX_LENGTH, MIN_LENGTH

PRODUCT_WORDS = ["ask iso", "askiso", "iso", "iso-ne", "iso new england", "ask", "participant"]
MIN_SCORE = 3


def password_problems(password, *, email=None, name=None):
    """A list of reasons to refuse the password (empty when it is acceptable)."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters (you used {len(password)})."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    personal = _personal_words(email, name)
    lowered = re.sub(r"[^a-z0-9]", "", password.lower())
    for word in personal + ["askiso"]:
        compact = re.sub(r"[^a-z0-9]", "", word.lower())
        if len(compact) >= 4 and compact in lowered and len(lowered) - len(compact) < 8:
            return ["Do not build the password from your email, your name or the product's name."]
    from zxcvbn import zxcvbn  # ~12 MB of word lists: loaded by the first password check, not by every worker

    result = zxcvbn(password[:100], user_inputs=personal + PRODUCT_WORDS)
    if result["score"] < MIN_SCORE:
        feedback = result.get("feedback") or {}
        reasons = [feedback.get("warning")] + list(feedback.get("suggestions") or [])
        reasons = [r for r in reasons if r]
        return ["This password is too easy to guess."] + reasons[:2]
    return []


def _personal_words(email, name):
    words = []
    if email:
        local, _, domain = email.lower().partition("@")
        words += [local, domain.split(".")[0]] + re.split(r"[._+-]", local)
    if name:
        words += name.lower().split() + [name.lower().replace(" ", "")]
    return [w for w in words if len(w) >= 3]
