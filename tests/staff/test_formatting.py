"""Babel formatting (askiso/core/formatting.py) and its Jinja filters: one way to say times, dates,
sizes and amounts on every page."""

from datetime import date, datetime

from flask import render_template_string
from sqlalchemy import select

from askiso.cases.models import RequestType
from askiso.core import formatting
from askiso.core.formatting import format_local
from askiso.extensions import db
from tests.staff.helpers import new_case


def test_sizes_amounts_and_times(app):
    assert formatting.size(0) == "0 bytes" and formatting.size(1) == "1 byte"
    assert formatting.size(31) == "31 bytes" and formatting.size(1536) == "1.5 kB"
    assert formatting.size(25 * 1024 * 1024) == "25 MB"
    assert formatting.amount("12345.67") == "$12,345.67" and formatting.amount("12,480.00") == "$12,480.00"
    assert formatting.amount("not a number") == "not a number"
    winter, summer = datetime(2026, 12, 3, 18, 5), datetime(2026, 7, 1, 12, 0)  # naive UTC
    assert formatting.local_datetime(winter) == "Dec 3, 2026, 1:05 PM EST"
    assert formatting.local_datetime(summer) == "Jul 1, 2026, 8:00 AM EDT"
    assert formatting.local_date(winter) == "Dec 3, 2026" and formatting.local_date(date(2026, 3, 15)) == "Mar 15, 2026"
    assert format_local(winter) == formatting.local_datetime(winter)  # Python code says it the same way
    assert formatting.field_value("2026-03-15", "date_past") == "Mar 15, 2026"


def test_the_fast_datetime_is_babels_over_a_year(app):
    from datetime import timedelta

    from babel.dates import format_datetime

    from askiso.core.timeutil import to_local

    start = datetime(2026, 1, 1, 0, 7)
    for hours in range(0, 366 * 24, 5):  # both DST changes, every hour of the day
        value = start + timedelta(hours=hours)
        local = to_local(value)
        expected = format_datetime(local, formatting.DATETIME_PATTERN, tzinfo=local.tzinfo, locale="en_US")
        assert formatting.local_datetime(value) == expected


def test_filters_in_templates(app):
    with app.test_request_context():
        html = render_template_string(
            "{{ 31|filesize }}|{{ 0|filesize }}|{{ '12345.67'|amount }}|{{ when|localtime }}|{{ when|localdate }}",
            when=datetime(2026, 12, 3, 18, 5),
        )
    assert html == "31 bytes|0 bytes|$12,345.67|Dec 3, 2026, 1:05 PM EST|Dec 3, 2026"


def test_a_dispute_amount_reads_as_money_on_the_case_page(app, people, client_for):
    case = new_case(people.alpha_user, people.alpha)
    case.field_values = {"amount": "12345.67", "operating_day": "2026-03-15"}  # as billing_dispute keeps them
    case.request_type = db.session.scalar(select(RequestType).where(RequestType.key == "billing_dispute"))
    db.session.commit()
    html = client_for(people.alpha_user).get(f"/cases/{case.number}").get_data(as_text=True)
    assert "$12,345.67" in html and "12345.67<" not in html
    assert "Mar 15, 2026" in html
