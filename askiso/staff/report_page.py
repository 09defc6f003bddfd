"""The whole report page: its key figures and sections in order, and one tidy CSV per section."""

import csv
import io

from askiso.satisfaction.reports import satisfaction
from askiso.staff import report_sections as sections

SECTIONS = ("volume", "times", "attainment", "backlog", "agents", "satisfaction", "obligations")

# Other features add key figures here: a function (viewer, filters) -> [(label, value, hint)], e.g. the
# help articles' deflections ("cases not filed after an article was read"). Read once per page.
FIGURE_PROVIDERS = []


def build_report(viewer, f, only=None):
    """{"figures": [...], "sections": [Section, ...]} for the filters (`only`: one section's key)."""
    wanted = set(SECTIONS) if only is None else {only}
    built = {}
    first = resolution = attainment = None
    if wanted & {"times", "agents", "attainment"} or only is None:
        first, resolution = sections.durations(viewer, f)
        attainment = sections.attainment_data(viewer, f)
    if "volume" in wanted:
        built["volume"] = sections.volume(viewer, f)
    if "times" in wanted:
        built["times"] = sections.times(f, first, resolution, attainment)
    if "attainment" in wanted:
        built["attainment"] = sections.attainment(f, attainment)
    if "backlog" in wanted:
        built["backlog"] = sections.backlog(viewer, f)
    if "agents" in wanted:
        built["agents"] = sections.agents(f, attainment, first, resolution)
    if "satisfaction" in wanted:
        built["satisfaction"] = satisfaction(viewer, f)
    if "obligations" in wanted:
        built["obligations"] = sections.obligations(f)
    report = {"sections": [built[k] for k in SECTIONS if k in built]}
    if only is None:
        report["figures"] = _figures(viewer, f, built, attainment)
    return report


def _figures(viewer, f, built, attainment):
    fr = built["times"].extra["first_response"]
    sat = built["satisfaction"].extra
    overall = attainment["overall"]
    figures = [
        ("Cases received", str(built["volume"].extra["total"]), f.period_label),
        ("First response, median", "—" if fr["median"] is None else f"{fr['median']:g} h", "business hours"),
        (
            "First response within target",
            _pct(overall["first_response"]["rate"]),
            f"{overall['first_response']['met']} of {overall['first_response']['measured']}",
        ),
        (
            "Resolution within target",
            _pct(overall["resolution"]["rate"]),
            f"{overall['resolution']['met']} of {overall['resolution']['measured']}",
        ),
        ("Open now", str(built["backlog"].extra["total"]), "all ages"),
        ("Rated good", _pct(sat["rate"]), f"{sat['good']} of {sat['good'] + sat['bad']} ratings"),
    ]
    for provider in FIGURE_PROVIDERS:
        figures += provider(viewer, f)
    return figures


def _pct(rate):
    return "—" if rate is None else f"{rate:g} %"


def section_csv(section):
    """One section's tidy CSV (formula-looking text is quoted for spreadsheets)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(section.csv_header)
    for row in section.csv_rows:
        writer.writerow([_safe(v) for v in row])
    return buffer.getvalue()


def _safe(value):
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
