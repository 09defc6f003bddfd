"""The request-type field builder: a definition is checked before it is saved, the buttons work
without JavaScript and lose nothing typed, the preview is the participant's own markup, and a
case keeps the fields it was filed with whatever the type's fields become."""

import re

import pytest
from sqlalchemy import select

from askiso.cases.fields import BrokenDefinition, check_definition, filed_specs, name_from_label
from askiso.cases.models import Case, RequestType
from askiso.core.reference import ReferenceVersion
from askiso.extensions import db
from askiso.staff.fieldbuilder import spec_row
from tests.staff.helpers import new_case, queue

NEW = "/staff/admin/request-types/new"
DISPUTE_VALUES = {
    "operating_day": "2026-03-02",
    "statement": "Initial",
    "charge": "RT energy",
    "amount": "1250.00",
    "explanation": "The RT load was double counted.",
}


def _type(key):
    return db.session.scalar(select(RequestType).where(RequestType.key == key))


def _basics(rt=None):
    if rt is None:
        return {
            "key": "capacity_question",
            "name": "Capacity question",
            "description": "",
            "queue_id": queue("participant_support").id,
            "for_participants": "y",
            "is_active": "y",
        }
    data = {
        "key": rt.key,
        "name": rt.name,
        "description": rt.description,
        "queue_id": rt.queue_id,
        "for_participants": "y" if rt.for_participants else "",
        "is_active": "y",
    }
    if rt.file_required:
        data["file_required"] = "y"
    return data


def _rows(rows):
    """Builder rows as the page posts them."""
    data = {}
    for i, row in enumerate(rows):
        for attr, value in row.items():
            if attr == "required":
                if value:
                    data[f"specs-{i}-required"] = "y"
            else:
                data[f"specs-{i}-{attr}"] = value
    return data


def _post(client, url, rows, op="save", **basics):
    return client.post(url, data={**basics, **_rows(rows), "op": op})


# ---------------------------------------------------------------- the definition itself


def test_a_good_definition_is_stored_in_the_specs_the_forms_read():
    specs = check_definition(
        [
            {"label": "Auction", "type": "choice", "required": True, "choices": "FCA 19\n\n FCA 20 \n", "help": ""},
            {"label": "Auction", "type": "text", "required": False, "choices": "left over", "help": " Optional "},
            {"label": "2026 obligation", "name": "", "type": "money", "required": True},
        ]
    )
    assert specs == [
        {"name": "auction", "label": "Auction", "type": "choice", "required": True, "choices": ["FCA 19", "FCA 20"]},
        {"name": "auction_2", "label": "Auction", "type": "text", "required": False, "help": "Optional"},
        {"name": "f_2026_obligation", "label": "2026 obligation", "type": "money", "required": True},
    ]
    assert name_from_label("Work phone (10 digits)") == "work_phone_10_digits"
    assert name_from_label("?") == "field"


@pytest.mark.parametrize(
    ("row", "attr", "message"),
    [
        ({"label": "", "type": "text"}, "label", "Give the field a label"),
        ({"label": "x" * 201, "type": "text"}, "label", "200 characters"),
        ({"label": "Day", "type": "calendar"}, "type", "Choose a type"),
        ({"label": "Day", "type": "text", "name": "Day!"}, "name", "lower-case"),
        ({"label": "Statement", "type": "choice", "choices": "Initial"}, "choices", "at least two choices"),
        ({"label": "Statement", "type": "choice", "choices": "Initial\nFinal\nInitial"}, "choices", "listed twice"),
        ({"label": "Statement", "type": "choice", "choices": "A\n" + "b" * 201}, "choices", "200 characters"),
        ({"label": "Day", "type": "text", "help": "h" * 501}, "help", "500 characters"),
    ],
)
def test_a_broken_row_is_refused_with_what_to_fix(row, attr, message):
    with pytest.raises(BrokenDefinition) as broken:
        check_definition([{"label": "Fine", "type": "text"}, row])
    assert list(broken.value.errors) == [1]
    assert message in broken.value.errors[1][attr]


def test_a_key_used_twice_and_too_many_fields_are_refused():
    with pytest.raises(BrokenDefinition) as broken:
        check_definition([{"label": "A", "name": "system"}, {"label": "B", "name": "system"}])
    assert "already uses the key “system”" in broken.value.errors[1]["name"]
    with pytest.raises(BrokenDefinition) as broken:
        check_definition([{"label": f"Field {i}", "type": "text"} for i in range(31)])
    assert broken.value.problems == ["Use at most 30 fields."]


def test_every_seeded_definition_passes_the_builders_checks(app):
    for rt in db.session.scalars(select(RequestType)):
        assert check_definition([spec_row(spec) for spec in rt.fields]) == rt.fields, rt.key


# ---------------------------------------------------------------- the page, without JavaScript


def test_the_buttons_add_move_and_remove_rows_keeping_what_was_typed_and_save_nothing(people, client_for):
    client = client_for(people.admin)
    rows = [
        {"label": "Auction", "type": "choice", "required": True, "choices": "FCA 19\nFCA 20"},
        {"label": "Resource id", "type": "text", "required": False, "help": "As in CAMS"},
    ]
    page = _post(client, NEW, rows, op="add", **_basics()).get_data(as_text=True)
    assert 'name="specs-2-label"' in page and "autofocus" in page
    assert 'value="Capacity question"' in page and "FCA 19\nFCA 20" in page and 'value="As in CAMS"' in page

    page = _post(client, NEW, rows, op="down-0", **_basics()).get_data(as_text=True)
    assert re.search(r'name="specs-0-label"[^>]*value="Resource id"', page)
    assert re.search(r'name="specs-1-label"[^>]*value="Auction"', page)

    page = _post(client, NEW, rows, op="remove-0", **_basics()).get_data(as_text=True)
    assert re.search(r'name="specs-0-label"[^>]*value="Resource id"', page) and 'name="specs-1-label"' not in page
    assert _type("capacity_question") is None  # nothing saved by any of these


def test_a_broken_definition_is_refused_with_every_problem_and_nothing_typed_lost(people, client_for):
    client = client_for(people.admin)
    rows = [
        {"label": "Auction", "type": "choice", "required": True, "choices": "FCA 19"},
        {"label": "", "type": "text", "required": True, "help": "Typed help"},
    ]
    basics = {**_basics(), "key": "Bad Key!"}
    response = _post(client, NEW, rows, **basics)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please fix 3 problems; nothing was saved" in page
    assert "Field 1 (Auction), Choices: A choice field needs at least two choices, one per line." in page
    assert "Field 2, Label: Give the field a label" in page and "lower-case letters" in page
    assert 'href="#specs-0-choices"' in page and 'aria-invalid="true"' in page
    assert 'value="Bad Key!"' in page and "FCA 19</textarea>" in page and 'value="Typed help"' in page
    assert 'value="auction"' in page  # the key it would save is shown
    assert _type("capacity_question") is None

    rows[0]["choices"] = "FCA 19\nFCA 20"
    rows[1]["label"] = "Resource"
    assert _post(client, NEW, rows, **_basics()).status_code == 302
    assert [spec["name"] for spec in _type("capacity_question").fields] == ["auction", "resource"]


def test_a_saved_choice_field_is_on_the_participants_form_at_once(people, client_for):
    participant = client_for(people.alpha_user)
    assert "Auction round" not in participant.get("/cases/new?type=data_feeds").text  # catalogue now kept
    rt = _type("data_feeds")
    token = db.session.scalar(select(ReferenceVersion.token))
    rows = [spec_row(spec) for spec in rt.fields] + [
        {
            "label": "Auction round",
            "type": "choice",
            "required": True,
            "choices": "FCA 19\nFCA 20",
            "help": "The round you asked about",
        }
    ]
    assert (
        _post(client_for(people.admin), f"/staff/admin/request-types/{rt.id}", rows, **_basics(rt)).status_code == 302
    )
    db.session.commit()
    assert db.session.scalar(select(ReferenceVersion.token)) != token  # every process reads the catalogue again
    page = participant.get("/cases/new?type=data_feeds").text
    assert '<label class="label" for="field_auction_round">Auction round</label>' in page
    assert '<option value="FCA 20">FCA 20</option>' in page and "The round you asked about" in page


def _field_markup(html, name):
    match = re.search(rf'<div class="field [^"]*">\s*<label class="label" for="field_{name}">.*?</div>', html, re.S)
    return match.group(0)


def test_the_preview_is_the_participants_own_markup(people, client_for):
    rt = _type("billing_dispute")
    admin = client_for(people.admin)
    preview = admin.post(
        "/staff/admin/request-types/preview", data=_rows([spec_row(spec) for spec in rt.fields])
    ).get_data(as_text=True)
    form = client_for(people.alpha_user).get("/cases/new?type=billing_dispute").get_data(as_text=True)
    for spec in rt.fields:
        assert _field_markup(preview, spec["name"]) == _field_markup(form, spec["name"]), spec["name"]
    page = admin.get(f"/staff/admin/request-types/{rt.id}").get_data(as_text=True)
    assert _field_markup(page, "statement") == _field_markup(form, "statement")
    # a row still being typed is previewed as best it can be, never refused
    half = admin.post(
        "/staff/admin/request-types/preview",
        data=_rows(
            [
                {"label": "Auction", "type": "choice", "choices": ""},
                {"label": "", "type": "text"},
                {"label": "Auction", "type": "bogus"},
            ]
        ),
    )
    assert half.status_code == 200 and 'for="field_auction"' in half.text and 'for="field_auction_2"' in half.text


@pytest.mark.parametrize("who", ["agent", "supervisor", "alpha_user", "outsider"])
def test_only_admins_build_fields(people, client_for, who):
    client = client_for(getattr(people, who))
    assert client.post("/staff/admin/request-types/preview", data={}).status_code in (403, 404)
    rt = _type("data_feeds")
    assert _post(client, f"/staff/admin/request-types/{rt.id}", [], **_basics(rt)).status_code in (403, 404)
    assert _type("data_feeds").fields == rt.fields


# ---------------------------------------------------------------- old cases keep their fields


def test_a_case_keeps_the_fields_it_was_filed_with_after_the_type_changes(people, client_for):
    old = new_case(people.alpha_user, people.alpha, request_type="billing_dispute", field_values=DISPUTE_VALUES)
    rt = _type("billing_dispute")
    before = [dict(spec) for spec in rt.fields]
    rows = [spec_row(spec) for spec in rt.fields if spec["name"] != "amount"]  # remove a field
    rows[1]["choices"] = "Initial\nFinal"  # change a choice list
    rows[2]["label"] = "Charge code"  # relabel
    rows.reverse()  # reorder
    rows.append({"label": "Resource id", "type": "text", "required": True})  # add
    admin = client_for(people.admin)
    assert _post(admin, f"/staff/admin/request-types/{rt.id}", rows, **_basics(rt)).status_code == 302
    db.session.expire_all()
    rt = _type("billing_dispute")
    assert (rt.field_revision, rt.past_fields) == (2, {"1": before})
    assert old.field_revision == 1 and old.filed_fields == before

    shown = {"Operating day": "Mar 2, 2026", "Charge or charge code": "RT energy", "Disputed amount (USD)": "$1,250.00"}
    for client, url in ((client_for(people.alpha_user), f"/cases/{old.number}"), (admin, f"/staff/cases/{old.number}")):
        page = client.get(url).get_data(as_text=True)
        for label, value in shown.items():
            assert re.search(rf"<dt>{re.escape(label)}</dt>\s*<dd>{re.escape(value)}</dd>", page), (url, label)
        assert "Charge code" not in page and "Resource id" not in page

    new = new_case(
        people.alpha_user,
        people.alpha,
        request_type="billing_dispute",
        field_values={**DISPUTE_VALUES, "statement": "Final", "resource_id": "R-7"},
    )
    assert new.field_revision == 2 and "amount" not in new.field_values
    page = client_for(people.alpha_user).get(f"/cases/{new.number}").get_data(as_text=True)
    assert re.search(r"<dt>Charge code</dt>\s*<dd>RT energy</dd>", page) and "Resource id" in page

    # saving again with the same fields makes no new revision; old cases still show theirs
    assert (
        _post(admin, f"/staff/admin/request-types/{rt.id}", rows, **{**_basics(rt), "name": "Dispute"}).status_code
        == 302
    )
    db.session.expire_all()
    assert _type("billing_dispute").field_revision == 2
    assert filed_specs(_type("billing_dispute"), old.field_revision) == before


def test_cases_filed_before_revisions_were_kept_show_revision_one(people, client_for):
    old = new_case(people.alpha_user, people.alpha, request_type="billing_dispute", field_values=DISPUTE_VALUES)
    old.field_revision = None  # as every case filed before the migration
    db.session.commit()
    rt = _type("billing_dispute")
    rows = [spec_row(spec) for spec in rt.fields]
    rows[0]["label"] = "Operating date"
    assert (
        _post(client_for(people.admin), f"/staff/admin/request-types/{rt.id}", rows, **_basics(rt)).status_code == 302
    )
    page = client_for(people.alpha_user).get(f"/cases/{old.number}").get_data(as_text=True)
    assert re.search(r"<dt>Operating day</dt>\s*<dd>Mar 2, 2026</dd>", page)
    assert db.session.scalar(select(Case.field_revision).where(Case.id == old.id)) is None
