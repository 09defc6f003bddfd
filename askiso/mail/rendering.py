"""One email body for many recipients: rendered once, the personal parts filled in per person.

A case email to a queue (22 people) was rendered 22 times, though only three things in it differ
from one person to the next: their address ("meant for ..."), their unsubscribe link and, for the
submitter of a resolved case, the one-click rating links (`rating_links(case, recipient)`, a
template global of askiso/satisfaction). `render_for_each` renders a template once per *kind* of
recipient (with rating links or without) with unguessable placeholders in those places, then puts
each person's own values in: as they are in the text part, HTML-escaped in the HTML part, as Jinja
would have escaped them. Everything else (names, subjects, message bodies) is escaped by Jinja in
the one render, as before.

Templates must use these values as they are (`{{ recipient }}`, `{{ unsubscribe_url }}`,
`rating_links(case, recipient)`), never transform or compare them: a placeholder that a template
changed is detected and that kind is rendered person by person instead, and
tests/mail/test_rendering.py renders every case template both ways and compares them.
"""

import secrets

from flask import current_app, render_template
from jinja2 import TemplateNotFound
from markupsafe import escape

from askiso.mail.suppression import unsubscribe_urls


def render_one(template, case, context):
    """(text, html or None) of templates/mail/<template>.txt and .html for one recipient (the
    context has `recipient` and `unsubscribe_url`)."""
    text = render_template(f"mail/{template}.txt", case=case, **context)
    try:
        html = render_template(f"mail/{template}.html", case=case, **context)
    except TemplateNotFound:
        html = None
    return text, html


def render_for_each(template, case, context, addresses, stop_urls=None):
    """[(text, html or None)] of the email for each of `addresses`, in order, each with its own
    address, unsubscribe link (`stop_urls`, when the caller made them already) and rating links,
    the template rendered once per kind of recipient."""
    rating_links = current_app.jinja_env.globals.get("rating_links")
    personal = []
    for address, stop_url in zip(addresses, stop_urls or unsubscribe_urls(addresses), strict=True):
        links = rating_links(case, address) if rating_links is not None and case is not None else None
        personal.append({"recipient": address, "unsubscribe_url": stop_url, **_rating_values(links)})
    kinds = {}
    for index, values in enumerate(personal):
        kinds.setdefault(tuple(sorted(values)), []).append(index)
    bodies = [None] * len(addresses)
    for names, indexes in kinds.items():
        for index, body in zip(
            indexes,
            _render_kind(template, case, context, names, [personal[i] for i in indexes], rating_links),
            strict=True,
        ):
            bodies[index] = body
    return bodies


def _rating_values(links):
    return {f"rating_{score}": url for score, url in (links or {}).items()}


def _render_kind(template, case, context, names, people, rating_links):
    """The bodies of recipients with the same personal parts (`names`): one render, then filled in."""
    nonce = secrets.token_hex(12)
    holders = {name: f"askiso{nonce}{name}end" for name in names}
    shared_links = {name[len("rating_") :]: holder for name, holder in holders.items() if name.startswith("rating_")}

    def links_for(for_case, recipient):
        if recipient == holders["recipient"]:
            return shared_links or None
        return rating_links(for_case, recipient) if rating_links is not None else None

    shared = {**context, "recipient": holders["recipient"], "unsubscribe_url": holders["unsubscribe_url"]}
    if rating_links is not None:
        shared["rating_links"] = links_for
    text, html = render_one(template, case, shared)
    if not (_intact(text, nonce, holders) and _intact(html, nonce, holders)):
        return [
            render_one(
                template, case, {**context, "recipient": p["recipient"], "unsubscribe_url": p["unsubscribe_url"]}
            )
            for p in people
        ]
    return [(_fill(text, holders, p, str), _fill(html, holders, p, escape)) for p in people]


def _intact(body, nonce, holders):
    """Every trace of the placeholders in `body` is a whole placeholder (none was changed: cut,
    upper-cased, ...)."""
    if body is None:
        return True
    return body.lower().count(nonce) == sum(body.count(holder) for holder in holders.values())


def _fill(body, holders, values, quote):
    if body is None:
        return None
    for name, holder in holders.items():
        body = body.replace(holder, str(quote(values[name])))
    return body
