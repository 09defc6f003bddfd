"""The staff part of the demo data."""

from datetime import date

from sqlalchemy import func, select

from askiso.cases.models import QueueMember
from askiso.demo.data import load_staff
from askiso.extensions import db
from askiso.staff.demo import load_staff_workspace, us_federal_holidays
from askiso.staff.models import CannedResponse, Holiday


def test_us_federal_holidays_2026():
    assert [d for d, _ in us_federal_holidays(2026)] == [
        date(2026, 1, 1), date(2026, 1, 19), date(2026, 2, 16), date(2026, 5, 25), date(2026, 6, 19),
        date(2026, 7, 3), date(2026, 9, 7), date(2026, 10, 12), date(2026, 11, 11), date(2026, 11, 26),
        date(2026, 12, 25),
    ]


def test_loader_is_idempotent(app):
    load_staff()
    load_staff_workspace()
    db.session.commit()
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (QueueMember, CannedResponse, Holiday)]
    load_staff_workspace()
    db.session.commit()
    assert counts == [db.session.scalar(select(func.count()).select_from(m))
                      for m in (QueueMember, CannedResponse, Holiday)]
    assert counts[0] >= 2 and counts[1] == 3 and counts[2] >= 11
