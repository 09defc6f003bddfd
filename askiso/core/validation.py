"""Shared input validators."""

import email_validator
from wtforms.validators import ValidationError

# Demo and test accounts use the reserved .test domain (RFC 2606), which no
# real mailbox can have; email_validator documents editing this list.
if "test" in email_validator.SPECIAL_USE_DOMAIN_NAMES:
    email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("test")


def normalized_email_or_error(value):
    """The address in a canonical form, or raise ValueError with a clear message."""
    try:
        result = email_validator.validate_email((value or "").strip(), check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        raise ValueError(str(exc)) from exc
    return result.normalized.lower()


class ValidEmail:
    """WTForms validator: a syntactically valid email address."""

    def __call__(self, form, field):
        try:
            normalized_email_or_error(field.data)
        except ValueError as exc:
            raise ValidationError(f"Enter a valid email address ({exc})") from exc
