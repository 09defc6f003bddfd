"""A browser-like HTTP client for the soak test: forms read from the HTML, every request logged.

Used by scripts/soak.py and tests/ops/test_scaleout_short.py. It knows the
app only through its pages: it fills in the form it finds (CSRF token and
hidden fields included) and posts it, as a person would.
"""

import re
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pyotp
import requests

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CASE_NUMBER = re.compile(r"/cases/([A-Za-z0-9-]+)/receipt")


class _FormParser(HTMLParser):
    """Every <form> of a page: its action, method and the values a browser would send."""

    SKIP = {"submit", "button", "file", "image", "reset"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._form = self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower(),
                          "fields": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            self._input(attrs)
        elif tag == "select":
            self._select = {"name": attrs.get("name"), "first": None, "chosen": None}
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in attrs:
                self._select["chosen"] = value
        elif tag == "textarea":
            self._textarea = [attrs.get("name"), ""]

    def _input(self, attrs):
        kind = (attrs.get("type") or "text").lower()
        if not attrs.get("name") or kind in self.SKIP:
            return
        if kind in {"checkbox", "radio"} and "checked" not in attrs:
            return
        self._form["fields"].append((attrs["name"], attrs.get("value", "on" if kind == "checkbox" else "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            if self._form is not None and self._select["name"]:
                chosen = self._select["chosen"] if self._select["chosen"] is not None else self._select["first"]
                self._form["fields"].append((self._select["name"], chosen or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            if self._form is not None and self._textarea[0]:
                self._form["fields"].append(tuple(self._textarea))
            self._textarea = None


def forms_of(html):
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


@dataclass
class Record:
    """One request as the client saw it."""

    at: float
    method: str
    path: str
    status: int | None
    seconds: float
    error: str | None = None
    expected: bool = True


@dataclass
class Journal:
    """Everything the load acknowledged and every request made, shared by the threads."""

    requests: list = field(default_factory=list)
    cases: dict = field(default_factory=dict)  # number -> subject
    replies: list = field(default_factory=list)  # (number, marker)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, record):
        with self.lock:
            self.requests.append(record)

    def acknowledged_case(self, number, subject):
        with self.lock:
            self.cases[number] = subject

    def acknowledged_reply(self, number, marker):
        with self.lock:
            self.replies.append((number, marker))


class UnexpectedResponse(Exception):
    pass


class Browser:
    """One person's cookie jar; every request is recorded in the journal."""

    def __init__(self, base_url, journal, timeout=60):
        self.base = base_url.rstrip("/")
        self.journal = journal
        self.timeout = timeout
        self.http = requests.Session()

    def request(self, method, path, ok=(200, 302, 303), **kwargs):
        url = urljoin(self.base + "/", path.lstrip("/"))
        started = time.time()
        try:
            response = self.http.request(method, url, allow_redirects=False, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            self.journal.add(Record(started, method, urlsplit(url).path, None, time.time() - started,
                                    f"{type(exc).__name__}: {exc}"[:300], expected=False))
            raise UnexpectedResponse(f"{method} {path}: {exc}") from exc
        good = response.status_code in ok
        self.journal.add(Record(started, method, urlsplit(url).path, response.status_code, time.time() - started,
                                None if good else response.text[:300], expected=good))
        if not good:
            raise UnexpectedResponse(f"{method} {path}: HTTP {response.status_code}")
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def submit(self, path, page_html, match, values=None, files=None, ok=(302, 303)):
        """Post the first form on the page whose action contains `match` (or has a field named so)."""
        for form in forms_of(page_html):
            names = {name for name, _ in form["fields"]}
            if match in form["action"] or match in names:
                data = [(n, v) for n, v in form["fields"] if n not in (values or {})]
                data += list((values or {}).items())
                target = urljoin(self.base + path, form["action"]) if form["action"] else self.base + path
                return self.request("POST", target, ok=ok, data=data, files=files)
        raise UnexpectedResponse(f"no form matching {match!r} on {path}")

    def sign_in(self, email, password, totp_secret=None):
        page = self.get("/login")
        response = self.submit("/login", page.text, "password", {"email": email, "password": password})
        if totp_secret:
            page = self.get("/login/two-factor")
            code = _fresh_code(totp_secret)
            response = self.submit("/login/two-factor", page.text, "code", {"code": code})
        if "/login" in response.headers.get("Location", ""):
            raise UnexpectedResponse(f"sign-in of {email} did not finish")

    def sign_out(self):
        page = self.get("/cases")
        self.submit("/cases", page.text, "logout", ok=(302, 303))

    def submit_case(self, subject, description, filename="soak.pdf"):
        """File a general question with one PDF; returns the case number from the receipt redirect."""
        page = self.get("/cases/new?type=general_question")
        values = {"subject": subject, "description": description, "request_type": "general_question",
                  "action": "submit"}
        response = self.submit("/cases/new", page.text, "subject", values,
                               files={"files": (filename, PDF, "application/pdf")})
        found = CASE_NUMBER.search(response.headers.get("Location", ""))
        if not found:
            raise UnexpectedResponse(f"no receipt after submitting a case: {response.headers.get('Location')}")
        self.journal.acknowledged_case(found.group(1), subject)
        return found.group(1)

    def reply(self, number, marker, staff=False):
        path = f"/staff/cases/{number}" if staff else f"/cases/{number}"
        page = self.get(path)
        body_name = "reply-body" if staff else "body"
        values = {body_name: f"Soak reply {marker}: checking the figures again."}
        if staff:
            values["kind"] = "reply"
        response = self.submit(path, page.text, body_name, values, ok=(302, 303, 409))
        if response.status_code == 409:  # someone changed the case meanwhile: the app kept nothing
            return False
        self.journal.acknowledged_reply(number, marker)
        return True

    def search(self, words):
        return self.get("/search", params={"q": words})


_totp_lock = threading.Lock()
_totp_used = {}


def _fresh_code(secret):
    """A TOTP code for a time step not used before (each code works once)."""
    totp = pyotp.TOTP(secret)
    with _totp_lock:
        while True:
            step = int(time.time() // totp.interval)
            if _totp_used.get(secret, -1) < step:
                _totp_used[secret] = step
                return totp.at(step * totp.interval)
            time.sleep(0.5)
