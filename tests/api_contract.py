"""The API's OpenAPI schema as JSON Schema, to check responses against what it promises.

OpenAPI 3.0 schemas are almost JSON Schema: `nullable` becomes a `null` alternative, and objects
that list their properties get `additionalProperties: false`, so that a field a response carries
but the schema does not name fails (an integrator's generated client would drop it).
"""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

OPENAPI_ONLY = {"nullable", "example", "readOnly", "writeOnly"}


def openapi_schema() -> dict[str, Any]:
    """The schema /api/schema/ serves, as plain JSON."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


def as_json_schema(node: Any) -> Any:
    """One OpenAPI 3.0 schema object (and everything under it) as strict JSON Schema for a
    response body."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {
        key: (
            {name: as_json_schema(field) for name, field in value.items()}
            if key in ("properties", "schemas")
            else as_json_schema(value)
        )
        for key, value in node.items()
        if key not in OPENAPI_ONLY
    }
    if "properties" in converted:
        # Write-only properties (a password sent) are never in a response body.
        write_only = [name for name, field in node["properties"].items() if field.get("writeOnly")]
        for name in write_only:
            del converted["properties"][name]
        if "required" in converted:
            converted["required"] = [name for name in converted["required"] if name not in write_only]
        converted.setdefault("additionalProperties", False)
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def response_errors(schema: dict[str, Any], path: str, method: str, status: int, body: Any) -> list[str]:
    """Why `body`, answered with `status` by `method` on the schema's `path`, breaks the schema
    (empty when it keeps it)."""
    responses = schema["paths"][path][method]["responses"]
    documented = responses.get(str(status))
    if documented is None:
        return [f"{method.upper()} {path}: status {status} is not documented (only {sorted(responses)})"]
    content = documented.get("content", {}).get("application/json")
    if content is None:
        return [f"{method.upper()} {path}: {status} has no documented JSON body"]
    validator = Draft202012Validator(
        {**as_json_schema(content["schema"]), "components": as_json_schema(schema["components"])},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    return [_describe(path, method, status, error) for error in validator.iter_errors(body)]


def _describe(path: str, method: str, status: int, error: ValidationError) -> str:
    where = "/".join(str(part) for part in error.absolute_path) or "(body)"
    return f"{method.upper()} {path} {status} at {where}: {error.message}"
