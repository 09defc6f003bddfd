"""The floor: a minimal Flask app that runs the same queries as our list and
case pages and renders the same rows through a bare Jinja template — no
sign-in, session, CSRF or layout. Our pages are judged as a ratio to it.

    gunicorn --workers 2 'bench.floor:create_floor()'
"""

import os

from flask import Flask, abort, render_template_string
from sqlalchemy import create_engine, text

LIST = """<table>{% for r in rows %}<tr><td>{{ r.number }}</td><td>{{ r.subject }}</td><td>{{ r.status }}</td>
<td>{{ r.updated_at }}</td><td>{{ r.name }}</td></tr>{% endfor %}</table>"""
CASE = """<h1>{{ case.number }} {{ case.subject }}</h1><p>{{ case.description }}</p>
{% for m in messages %}<article><b>{{ m.author }}</b> {{ m.created_at }}<p>{{ m.body }}</p></article>{% endfor %}"""


def _url():
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    instance = os.environ.get("ASKISO_INSTANCE_PATH", "instance")
    return f"sqlite:///{os.path.abspath(instance)}/askiso.db"


def create_floor():
    app = Flask("floor")
    engine = create_engine(_url(), pool_size=5)

    def case_list(column, value):
        """The list pages' query: 25 cases by last update, with the company name."""
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT c.number, c.subject, c.status, c.updated_at, p.name FROM cases c "
                    f"JOIN participants p ON p.id = c.participant_id WHERE c.{column} = :v "
                    "ORDER BY c.updated_at DESC, c.id DESC LIMIT 25"
                ),
                {"v": value},
            ).all()
        return render_template_string(LIST, rows=rows)

    @app.route("/floor/my/<int:user_id>")
    def my_cases(user_id):
        return case_list("submitter_id", user_id)

    @app.route("/floor/company/<int:participant_id>")
    def company_cases(participant_id):
        return case_list("participant_id", participant_id)

    @app.route("/floor/case/<number>")
    def case_page(number):
        with engine.connect() as conn:
            case = conn.execute(
                text("SELECT id, number, subject, description FROM cases WHERE number = :n"), {"n": number}
            ).one_or_none()
            if case is None:  # (the start-up probe asks for one that does not exist)
                abort(404)
            messages = conn.execute(
                text(
                    "SELECT u.name AS author, m.created_at, m.body FROM messages m LEFT JOIN users u "
                    "ON u.id = m.author_id WHERE m.case_id = :c AND NOT m.is_internal ORDER BY m.created_at, m.id"
                ),
                {"c": case.id},
            ).all()
        return render_template_string(CASE, case=case, messages=messages)

    return app
