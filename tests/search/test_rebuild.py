"""A lost or damaged index is rebuilt from the database with nothing missing."""

import shutil
from pathlib import Path

import pytest

from askiso.search.backends import get_backend
from askiso.search.worker import process_queue
from tests.search.conftest import find, make_case


def _three_cases(people):
    return [
        make_case(people.alpha, people.alpha_user, f"Rebuild check {word}", f"{word} details")
        for word in ("alder", "birch", "cedar")
    ]


@pytest.fixture
def whoosh_only(backend):
    if backend != "whoosh":
        pytest.skip("Whoosh index files")
    return backend


def test_deleted_index_is_rebuilt_with_nothing_missing(whoosh_only, app, people):
    cases = _three_cases(people)
    process_queue()
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    assert sorted(find(people.alpha_user, "rebuild")) == sorted(c.number for c in cases)


def test_corrupted_index_is_rebuilt_with_nothing_missing(whoosh_only, app, people):
    cases = _three_cases(people)
    process_queue()
    live = Path(app.config["SEARCH_INDEX_DIR"]) / "current"
    for path in live.resolve().iterdir():
        path.write_bytes(b"\x00garbage\xff" * 10)
    assert sorted(find(people.alpha_user, "rebuild")) == sorted(c.number for c in cases)
    assert find(people.alpha_user, "birch") == [cases[1].number]


def test_writer_rebuilds_a_missing_index_before_writing(whoosh_only, app, people):
    cases = _three_cases(people)
    process_queue()
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    extra = make_case(people.alpha, people.alpha_user, "Rebuild check dogwood")
    assert process_queue() >= 1
    assert get_backend().store.open().doc_count() == 4
    assert sorted(find(people.alpha_user, "rebuild")) == sorted(c.number for c in [*cases, extra])


def test_reindex_command_rebuilds_everything(backend, app, people, runner):
    cases = _three_cases(people)
    process_queue()
    if backend == "whoosh":
        old = (Path(app.config["SEARCH_INDEX_DIR"]) / "current").resolve()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 3 case(s)" in result.output
    if backend == "whoosh":
        new = (Path(app.config["SEARCH_INDEX_DIR"]) / "current").resolve()
        assert new != old and not old.exists()
    assert sorted(find(people.alpha_user, "rebuild")) == sorted(c.number for c in cases)


def test_reindex_on_an_empty_index_makes_it_complete(backend, app, people, runner):
    cases = _three_cases(people)
    # Nothing processed from the queue: reindex alone must make search complete.
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    from askiso.search import services

    page = services.search(people.alpha_user, "rebuild")[1]
    assert sorted(r.case.number for r in page.results) == sorted(c.number for c in cases)


def test_work_command_drains_the_queue(backend, people, runner):
    case = make_case(people.alpha, people.alpha_user, "Worker command kestrel")
    result = runner.invoke(args=["search", "work"])
    assert result.exit_code == 0, result.output
    assert "0 left" in result.output
    from askiso.search import services

    assert [r.case.number for r in services.search(people.agent, "kestrel")[1].results] == [case.number]
