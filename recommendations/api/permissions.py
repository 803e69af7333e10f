"""Staff endpoints ask for the same Django permissions as the admin does for the same action.

`is_staff` alone only lets a user into the admin; what they may do there comes from their
permissions (a catalogue clerk may not retrain or roll back models). The API follows suit.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

# HEAD reads what GET reads. OPTIONS only describes the endpoint: any staff may ask.
READ_ALIASES = {"HEAD": "GET"}


def staff_with(**by_method: str) -> type[BasePermission]:
    """A permission class for staff who hold, for the request's method, the Django permission named
    for it, e.g. `staff_with(GET="recommendations.view_trainingrun")`. Other methods are refused."""

    class StaffWith(BasePermission):
        message = "Staff only."

        def has_permission(self, request: Request, view: Any) -> bool:
            method = request.method or ""
            needed = by_method.get(method) or by_method.get(READ_ALIASES.get(method, ""))
            user = request.user
            if not (user and user.is_authenticated and user.is_staff):
                return False
            if method == "OPTIONS":
                return True
            if not needed:
                return False
            if not user.has_perm(needed):
                self.message = f"Staff only, with the permission {needed}."
                return False
            return True

    return StaffWith
