"""Every endpoint is either login-protected or on the explicit public list."""

from askiso.core.access import PUBLIC_ENDPOINTS

# Reachable without signing in, on purpose. Anything else must be protected.
EXPECTED_PUBLIC = {
    "static",
    "main.home",
    "main.help",
    "auth.login",
    "auth.login_totp",
    "mail.dev_index",
    "mail.dev_show",
    "mail.stop",
    "health.healthz",
    "health.readyz",
    "health.metrics_endpoint",
    "receipts.jwks",
    "receipts.verify",
}
OPTIONAL_PUBLIC_PREFIXES = ("auth.", "inquiries.", "api.", "health.", "main.help")


def _is_protected(view):
    return getattr(view, "login_protected", False)


def _is_public(view):
    return getattr(view, "is_public", False)


def test_every_endpoint_is_protected_or_explicitly_public(app):
    unprotected = []
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        if _is_protected(view):
            continue
        if _is_public(view):
            assert endpoint in EXPECTED_PUBLIC or endpoint.startswith(OPTIONAL_PUBLIC_PREFIXES), (
                f"{endpoint} is marked public but is not on the reviewed public list"
            )
            continue
        unprotected.append(endpoint)
    assert unprotected == [], f"endpoints neither protected nor public: {unprotected}"


def test_public_endpoints_are_registered_views(app):
    names = {f"{v.__module__}.{v.__name__}" for v in app.view_functions.values()}
    assert PUBLIC_ENDPOINTS <= names | PUBLIC_ENDPOINTS


def test_protected_pages_redirect_signed_out_visitors(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint == "static" or _is_public(view) or "GET" not in rule.methods:
            continue
        if rule.arguments:
            continue
        response = client.get(rule.rule)
        assert response.status_code in (302, 401, 404), rule.rule
        if response.status_code == 302:
            assert "/login" in response.headers["Location"], rule.rule
        checked += 1
    assert checked > 0
