"""Shared by the tests of the admin's change lists."""

# Enough rows for the planner to prefer an index to reading the table, few enough to insert quickly.
CROWD = 3000


def listed(response):
    """The objects a change list page shows."""
    assert response.status_code == 200
    return list(response.context["cl"].result_list)
