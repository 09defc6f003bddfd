"""Every endpoint is either login-protected or on the explicit public list, and signed-out
visitors reach nothing else, whatever the URL's arguments."""

import pytest

from askiso.core.access import PUBLIC_ENDPOINTS

# Reachable without signing in, on purpose, one by one. Anything else must be protected: a new
# public page fails test_the_public_endpoints_are_exactly_the_reviewed_list until it is added here.
EXPECTED_PUBLIC = {
    "api.openapi_json",
    "api.reference",
    "api.verify_receipt",
    "articles.answered",
    "articles.file",
    "articles.index",
    "articles.show",
    "articles.suggestions",
    "auth.confirm_email",
    "auth.forgot_password",
    "auth.login",
    "auth.login_totp",
    "auth.reset_password",
    "auth.set_password",
    "health.healthz",
    "health.metrics_endpoint",
    "health.readyz",
    "inquiries.account",
    "inquiries.confirm",
    "inquiries.download",
    "inquiries.lost",
    "inquiries.new",
    "inquiries.revoke",
    "inquiries.sent",
    "inquiries.track",
    "mail.dev_index",
    "mail.dev_show",
    "mail.stop",
    "main.help",
    "main.home",
    "receipts.jwks",
    "receipts.verify",
    # The signed one-click rating link of the resolution email (tests/satisfaction).
    "satisfaction.rate",
}

# A value for each kind of URL argument: what a guessing visitor would type.
SAMPLE_ARGUMENTS = {
    "number": "AI-2026-000001",
    "code": "ALPHA",
    "token": "guessed-token",
    "name": "volume",
    "filename": "app.css",
}


def _is_protected(view):
    return getattr(view, "login_protected", False)


def _is_public(view):
    return getattr(view, "is_public", False)


def test_the_public_endpoints_are_exactly_the_reviewed_list(app):
    public = {endpoint for endpoint, view in app.view_functions.items() if _is_public(view)}
    assert public == EXPECTED_PUBLIC


def test_every_endpoint_is_protected_or_public(app):
    neither = [e for e, v in app.view_functions.items() if e != "static" and not (_is_protected(v) or _is_public(v))]
    assert neither == []


def test_the_public_registry_names_exactly_the_public_views(app):
    marked = {f"{v.__module__}.{v.__name__}" for v in app.view_functions.values() if _is_public(v)}
    assert marked == PUBLIC_ENDPOINTS


def _signed_out_rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        if rule.endpoint == "static" or _is_public(view):
            continue
        values = {arg: SAMPLE_ARGUMENTS.get(arg, 1) for arg in rule.arguments}
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, rule.build(values, append_unknown=False)[1], rule.rule


def test_signed_out_visitors_reach_no_protected_rule(app, client):
    checked = 0
    for method, url, rule in _signed_out_rules(app):
        response = client.open(url, method=method)
        if rule.startswith("/api/"):
            assert response.status_code == 401, (method, rule, response.status_code)
        else:
            assert response.status_code == 302, (method, rule, response.status_code)
            assert "/login" in response.headers["Location"], (method, rule)
        checked += 1
    assert checked >= 100


# Captured mail needs mail captured first (tests/mail); readiness answers 503 on a database made
# without the migrations, as the tests' is (tests/core/test_migrations.py checks it at head).
@pytest.mark.parametrize("endpoint", sorted(EXPECTED_PUBLIC - {"mail.dev_index", "mail.dev_show", "health.readyz"}))
def test_public_endpoints_do_not_fail_for_a_visitor(app, client, endpoint):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {arg: SAMPLE_ARGUMENTS.get(arg, 1) for arg in rule.arguments}
    response = client.get(rule.build(values, append_unknown=False)[1]) if "GET" in rule.methods else None
    assert response is None or response.status_code < 500


def test_no_staff_rule_exists_for_a_participant(app, people, client_for):
    """Every rule under /staff/ answers a signed-in participant (an External Manager and Security
    Administrator included) 404, whatever its arguments: the staff side does not exist for them."""
    checked = 0
    for person in (people.alpha_manager, people.alpha_sa):
        client = client_for(person)
        for method, url, rule in _signed_out_rules(app):
            if not rule.startswith("/staff/"):
                continue
            response = client.open(url, method=method)
            assert response.status_code == 404, (person.email, method, rule, response.status_code)
            checked += 1
    assert checked >= 60
