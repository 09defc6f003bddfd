"""Helpers for API tests: tokens made through the real service, calls with a bearer header."""

import pytest

from askiso.api.tokens import create_token
from askiso.extensions import db


def make_token(user, scope="write", days=90, name="test token"):
    _, token = create_token(user, name, scope=scope, days=days)
    db.session.commit()
    return token


class Api:
    """A test client that sends one person's token on every call."""

    def __init__(self, client, token):
        self.client, self.token = client, token

    def _headers(self, headers=None):
        merged = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        merged.update(headers or {})
        return merged

    def get(self, path, **kwargs):
        return self.client.get("/api/v1" + path, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, path, **kwargs):
        return self.client.post("/api/v1" + path, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def patch(self, path, **kwargs):
        return self.client.patch("/api/v1" + path, headers=self._headers(kwargs.pop("headers", None)), **kwargs)


@pytest.fixture
def api_for(app):
    """api_for(user, scope="write") -> an Api client acting with a fresh token of that user."""

    def make(user, scope="write"):
        return Api(app.test_client(), make_token(user, scope=scope) if user is not None else None)

    return make
