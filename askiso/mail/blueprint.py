"""The mail blueprint, shared by the mail feature's view modules (askiso/mail/routes.py imports them all)."""

from flask import Blueprint

bp = Blueprint("mail", __name__)
