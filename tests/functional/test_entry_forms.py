"""Which entry form an applicant fills in (``services.entry_forms``): asked for one category, or for many at once
(``CurrentForms``, as an import asks), the answer is the same."""

from __future__ import annotations

import pytest

from awards_app.models import ANY_APPLICANT, EntryForm, OrganisationType
from awards_app.services import entry_forms as entry_forms_service


@pytest.fixture
def forms(world, db):
    """The project category: two versions for any applicant and one for corporations; the commendation: none."""
    rows = {
        name: EntryForm(category_id=world.project.id, applicant_type=kind, version=version, fields=[])
        for name, kind, version in [
            ("any v1", ANY_APPLICANT, 1),
            ("any v2", ANY_APPLICANT, 2),
            ("corporation v1", OrganisationType.CORPORATION.value, 1),
        ]
    }
    db.session.add_all(rows.values())
    db.session.commit()
    return rows


@pytest.mark.parametrize(
    ("organisation_type", "expected"),
    [
        (OrganisationType.CORPORATION, "corporation v1"),  # the type's own
        ("corporation", "corporation v1"),
        (OrganisationType.CITY, "any v2"),  # else the newest for any applicant
        (None, "any v2"),
        ("", "any v2"),
    ],
)
def test_an_applicant_gets_their_types_form_else_the_newest_for_any(world, forms, organisation_type, expected):
    together = entry_forms_service.CurrentForms([world.project, world.commendation])
    assert entry_forms_service.form_for(world.project, organisation_type) is forms[expected]
    assert together.form_for(world.project, organisation_type) is forms[expected]
    assert entry_forms_service.fields_for(world.project, organisation_type) == together.fields_for(
        world.project, organisation_type
    )


def test_a_category_without_a_form_of_its_own_has_its_kinds_default(world, forms):
    together = entry_forms_service.CurrentForms([world.project, world.commendation])
    assert entry_forms_service.form_for(world.commendation, OrganisationType.CITY) is None
    assert together.form_for(world.commendation, OrganisationType.CITY) is None
    default = entry_forms_service.fields_of_form(None, world.commendation)
    assert entry_forms_service.fields_for(world.commendation, OrganisationType.CITY) == default
    assert together.fields_for(world.commendation, OrganisationType.CITY) == default
