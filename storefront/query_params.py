"""Reading the API's query parameters by one rule: an empty value is the parameter left out.

HTML forms that GET send every field, the empty ones as `name=`; a client that builds a query from
a form, or from optional settings, sends `?kind=&status=` and means "no filter", never "runs of no
kind". So an empty (or blank) value is read as absent everywhere, and a value that is not one of
those a parameter accepts is a 400 that names the parameter and lists the accepted values.
The schema says the same: every query parameter has `allowEmptyValue` (storefront.api_schema).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal, overload

from rest_framework.exceptions import ValidationError


def query_value(params: Mapping[str, str], name: str) -> str | None:
    """The parameter's value without surrounding blanks; None when absent or empty."""
    return (params.get(name) or "").strip() or None


@overload
def query_choice(
    params: Mapping[str, str], name: str, choices: Iterable[str], *, required: Literal[True]
) -> str: ...
@overload
def query_choice(
    params: Mapping[str, str], name: str, choices: Iterable[str], *, required: bool = False
) -> str | None: ...
def query_choice(
    params: Mapping[str, str], name: str, choices: Iterable[str], *, required: bool = False
) -> str | None:
    """The parameter's value, one of `choices`; None when absent or empty (a 400 if `required`)."""
    value = query_value(params, name)
    accepted = list(choices)
    listed = ", ".join(accepted) or "none"
    if value is None:
        if required:
            raise ValidationError({name: [f"Give `{name}`, one of: {listed}."]})
        return None
    if value not in accepted:
        raise ValidationError({name: [f"Unknown {name} {value!r}; use one of: {listed} (or leave it out)."]})
    return value


def query_whole_number(
    params: Mapping[str, str], name: str, *, default: int, minimum: int, maximum: int
) -> int:
    """A whole number from `minimum` to `maximum`; `default` when absent or empty."""
    raw = query_value(params, name)
    if raw is None:
        return default
    try:
        number = int(raw)
    except ValueError:
        raise ValidationError(
            {name: [f"{raw!r} is not a whole number: ask for one from {minimum} to {maximum}."]}
        ) from None
    if not minimum <= number <= maximum:
        raise ValidationError({name: [f"Ask for between {minimum} and {maximum}, not {number}."]})
    return number
