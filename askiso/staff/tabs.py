"""Case-list tabs: the everyday views and the person's saved views, each with a capped count.

Shown above the case list and on the staff home. All counts of a page are one
statement (askiso/staff/home.read_counts), each count reading at most
home.COUNT_CAP + 1 rows of an index.
"""

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from flask import url_for
from werkzeug.datastructures import MultiDict

from askiso.staff import caselist
from askiso.staff.home import EVERYDAY_TABS, capped_counts, count_text, everyday_counts

# (name, query string), in the order of home.EVERYDAY_TABS
EVERYDAY = (("Open cases", ""), ("Assigned to me", "assignee=me"), ("Unassigned", "assignee=unassigned"))
MAX_SAVED = 12  # tabs with counts; more saved views are still listed, without counts


@dataclass
class Tab:
    name: str
    query_string: str
    url: str
    filters: object
    view_id: int | None = None
    count: int | None = None
    is_current: bool = False

    @property
    def count_text(self):
        return "" if self.count is None else count_text(self.count)


def _key(f):
    args = f.query_args()
    args.pop("sort", None)
    return tuple(sorted(args.items()))


def build(views, current=None):
    """The tabs (everyday first, then saved views by name), the one matching `current` filters marked."""
    base = url_for("staff.cases")
    tabs = []
    for name, qs in EVERYDAY:
        tabs.append(Tab(name, qs, base + ("?" + qs if qs else ""), caselist.parse_filters(MultiDict(parse_qsl(qs)))))
    for view in views:
        f = caselist.parse_filters(MultiDict(parse_qsl(view.query_string or "")))
        qs = urlencode(f.query_args())
        tabs.append(Tab(view.name, qs, base + ("?" + qs if qs else ""), f, view_id=view.id))
    if current is not None:
        wanted = _key(current)
        for tab in tabs:
            if _key(tab.filters) == wanted:
                tab.is_current = True
                break
    return tabs


def fill_counts(user, tabs, everyday):
    """Counts on the tabs: the everyday ones from `everyday` ({key: count}, read with the page's other
    counts), the first MAX_SAVED saved views in one more statement."""
    for tab, key in zip(tabs, EVERYDAY_TABS, strict=False):
        tab.count = everyday[key]
    saved = tabs[len(EVERYDAY): len(EVERYDAY) + MAX_SAVED]
    for tab, value in zip(saved, capped_counts([caselist.filtered(user, t.filters) for t in saved]), strict=True):
        tab.count = value


def with_counts(user, views, current, now):
    """The case list's tabs with their counts (one statement, two with saved views)."""
    tabs = build(views, current)
    fill_counts(user, tabs, everyday_counts(user, now))
    return tabs
