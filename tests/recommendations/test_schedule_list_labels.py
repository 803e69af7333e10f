"""The schedule list's editable inputs say what they set and for which kind."""

import re

import pytest
from django.test import Client

from recommendations.models import TrainingSchedule
from tests.factories import StaffUserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dummy_kind_registered")]
SCHEDULES = "/admin/recommendations/trainingschedule/"


@pytest.fixture
def ops():
    client = Client()
    client.force_login(StaffUserFactory(username="olga_ops"))
    return client


def test_each_editable_input_in_the_list_is_labelled_with_its_kind(ops):
    page = ops.get(SCHEDULES).content.decode()
    rows = TrainingSchedule.objects.order_by("kind")
    row_inputs = re.findall(r'<input[^>]*name="form-\d+-[^>]*>', page)
    inputs = [tag for tag in row_inputs if 'type="hidden"' not in tag]  # not the rows' ids
    labels = [re.search(r'aria-label="([^"]+)"', tag).group(1) for tag in inputs]
    assert labels == [f"{what} for {row.kind}" for row in rows for what in ("Enabled", "Hour", "Minute")]


def test_the_list_still_saves_an_edited_hour(ops):
    ops.get(SCHEDULES)  # creates the rows
    rows = list(TrainingSchedule.objects.order_by("kind"))
    data = {"form-TOTAL_FORMS": len(rows), "form-INITIAL_FORMS": len(rows), "_save": "Save"}
    for number, row in enumerate(rows):
        data |= {
            f"form-{number}-id": row.pk,
            f"form-{number}-enabled": "on",
            f"form-{number}-hour": 5 if number == 0 else row.hour,
            f"form-{number}-minute": row.minute,
        }
    assert ops.post(SCHEDULES, data).status_code == 302
    rows[0].refresh_from_db()
    assert rows[0].hour == 5
