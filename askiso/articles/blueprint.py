"""The articles blueprint: the help centre (/help/articles, public) and the editor (/staff/articles)."""

from flask import Blueprint

bp = Blueprint("articles", __name__)
