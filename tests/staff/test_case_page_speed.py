"""The staff case page: constant statements per request, and (on request) its in-process render time.

ASKISO_MEASURE=1 prints the p50/p95 of 200 renders of a case with 30 messages
(tests never assert times: the machine is shared).
"""

import os
import time

import pytest

from tests.staff.helpers import new_case, staff_reply
from tests.statements import recorded_statements


def _case_with(people, count):
    case = new_case(people.alpha_user, people.alpha)
    for i in range(count):
        author = people.agent if i % 2 else people.alpha_user
        staff_reply(case, author, f"Message {i} about **line {i}** of the statement.", internal=i % 6 == 5)
    return case


def _statements(client, case):
    client.get(f"/staff/cases/{case.number}")  # warm caches (catalogue, compiled statements)
    with recorded_statements() as seen:
        assert client.get(f"/staff/cases/{case.number}").status_code == 200
    return len(seen)


def test_statements_do_not_grow_with_messages(app, people, client_for):
    client = client_for(people.agent)
    short, long = _case_with(people, 2), _case_with(people, 30)
    assert _statements(client, short) == _statements(client, long)


@pytest.mark.skipif(not os.environ.get("ASKISO_MEASURE"), reason="timing on request only (ASKISO_MEASURE=1)")
def test_render_time_with_30_messages(app, people, client_for):
    client = client_for(people.agent)
    case = _case_with(people, 30)
    url = f"/staff/cases/{case.number}"
    for _ in range(20):
        client.get(url)
    wall, cpu = [], []
    for _ in range(200):
        started, started_cpu = time.perf_counter(), time.thread_time()
        assert client.get(url).status_code == 200
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    wall.sort()
    cpu.sort()
    # CPU time of this thread as well as wall time: on a busy shared machine the wall clock mostly
    # measures waiting for a core.
    print(
        f"\nstaff case page, 30 messages, 200 renders: wall p50 {wall[100]:.2f} ms, p95 {wall[190]:.2f} ms; "
        f"cpu p50 {cpu[100]:.2f} ms, p95 {cpu[190]:.2f} ms; statements {_statements(client, case)}"
    )
