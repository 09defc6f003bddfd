"""The satisfaction section of the supervisor reports: ratings of the cases received in the period."""

from sqlalchemy import func, select

from askiso.cases.models import Case, Queue
from askiso.extensions import db
from askiso.satisfaction.models import SCORE_LABELS, SCORES, Rating
from askiso.staff import report_charts as charts
from askiso.staff import reports as r
from askiso.staff.report_sections import Section

RECENT_COMMENTS = 10


def satisfaction(viewer, f):
    """Good and bad ratings by queue (one GROUP BY), and the latest comments (one statement)."""
    stmt = (
        select(Case.queue_id, Queue.name, Rating.score, func.count())
        .select_from(Rating)
        .join(Case, Case.id == Rating.case_id)
        .join(Queue, Queue.id == Case.queue_id)
        .where(*r.scope(viewer, f), r.received_in(f))
        .group_by(Case.queue_id, Queue.name, Rating.score)
        .order_by(Queue.name)
    )
    counts, queues = {}, {}
    for qid, name, score, n in db.session.execute(stmt):
        queues[qid] = name
        counts[(qid, score)] = n
    order = sorted(queues, key=lambda q: queues[q])
    series = [
        charts.Series(
            SCORE_LABELS[s],
            [counts.get((q, s), 0) for q in order],
            [f.case_list_url(queue=str(q), rating=s) for q in order],
            color="#15803d" if s == "good" else "#be123c",
        )
        for s in SCORES
    ]
    section = Section("satisfaction", "Satisfaction ratings by queue")
    section.chart = charts.bar_chart(section.title, [queues[q] for q in order], series)
    section.header = ["Queue", "Good", "Bad", "Good share"]
    good_all = sum(n for (_, s), n in counts.items() if s == "good")
    bad_all = sum(n for (_, s), n in counts.items() if s == "bad")
    for q in order:
        good, bad = counts.get((q, "good"), 0), counts.get((q, "bad"), 0)
        section.rows.append(
            [
                queues[q],
                (str(good), f.case_list_url(queue=str(q), rating="good")),
                (str(bad), f.case_list_url(queue=str(q), rating="bad")),
                _share(good, bad),
            ]
        )
    if order:
        section.rows.append(
            [
                "All queues",
                (str(good_all), f.case_list_url(rating="good")),
                (str(bad_all), f.case_list_url(rating="bad")),
                _share(good_all, bad_all),
            ]
        )
    section.csv_header = ["queue", "rating", "ratings"]
    section.csv_rows = [[queues[q], s, counts.get((q, s), 0)] for q in order for s in SCORES]
    section.extra.update(
        good=good_all, bad=bad_all, rate=r.rate(good_all, good_all + bad_all), comments=_recent_comments(viewer, f)
    )
    section.note = "Ratings of the cases received in the period, from the resolution email or the case page."
    return section


def _share(good, bad):
    rate = r.rate(good, good + bad)
    return "—" if rate is None else f"{rate:g} %"


def _recent_comments(viewer, f):
    stmt = (
        select(Case.number, Rating.score, Rating.comment, Rating.updated_at)
        .select_from(Rating)
        .join(Case, Case.id == Rating.case_id)
        .where(*r.scope(viewer, f), r.received_in(f), Rating.comment != "")
        .order_by(Rating.updated_at.desc())
        .limit(RECENT_COMMENTS)
    )
    return db.session.execute(stmt).all()
