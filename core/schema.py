"""drf-spectacular post-processing hooks shared by every API operation."""

from core import limits

ERROR_BODY = {
    "type": "object",
    "description": "`detail` for general errors, or field names mapping to messages.",
    "additionalProperties": True,
}
_ERRORS = {
    "400": "Invalid input; field errors name the fields.",
    "401": "Not authenticated.",
    "403": "Authenticated but not allowed.",
    "404": "Not found (another user's object is a 404 too).",
    "405": "Method not allowed.",
    "409": "Illegal state transition.",
    "410": "Gone: the token or invite has expired or been used.",
    "415": "Unsupported media type.",
    "429": "Throttled.",
    "503": "Service unavailable: the database could not be reached; retry.",
}


def document_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents the JSON error answers
    every view can give (DRF's exceptions and the 503 of DatabaseUnavailableMiddleware)."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, description in _ERRORS.items():
                operation["responses"].setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": ERROR_BODY}},
                    },
                )
            # Answered by the web server before the request reaches Cadence, in its own
            # format: gunicorn refuses request lines over `limit_request_line` bytes.
            operation["responses"].setdefault(
                "414", {"description": "URI too long (refused by the web server)."}
            )
    return result


# An operation extension: the request body is the operation's serializer as one object or as
# an array of 1 to this many of them. Written as `extend_schema(request=Serializer,
# extensions={ONE_OR_MANY: n})`, so that drf-spectacular makes the serializer's request
# component (a `$ref` written by hand would name a component nothing makes).
ONE_OR_MANY = "x-one-or-many"


def expand_one_or_many_bodies(result, generator, request, public):
    """drf-spectacular postprocessing hook: the request bodies of operations marked with
    ONE_OR_MANY become `oneOf` the object and an array of them."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or ONE_OR_MANY not in operation:
                continue
            most = operation.pop(ONE_OR_MANY)
            for media in operation.get("requestBody", {}).get("content", {}).values():
                one = media["schema"]
                array = {"type": "array", "items": one, "minItems": 1, "maxItems": most}
                media["schema"] = {"oneOf": [one, array]}
    return result


def require_one_or_many_bodies(result, generator, request, public):
    """drf-spectacular postprocessing hook: a request body given as one object or an array
    of them (`oneOf`, the bulk endpoints) is required. drf-spectacular marks a body required
    from its serializer's required fields, and has none to look at for a schema given as a
    dict."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if body and any(
                "oneOf" in media.get("schema", {}) for media in body["content"].values()
            ):
                body["required"] = True
    return result


# A character Python's str.strip() keeps: DRF trims text before it checks that a field is not
# blank, so a required text value needs one. The class lists what str.isspace() is true for.
NOT_BLANK = (
    r"[^\t\n\u000b\f\r\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f"
    r"\u3000]"
)


def _require_not_blank(schema) -> None:
    if isinstance(schema, list):
        for item in schema:
            _require_not_blank(item)
        return
    if not isinstance(schema, dict):
        return
    if (
        schema.get("type") == "string"
        and schema.get("minLength", 0) >= 1
        and not {"format", "enum", "pattern"} & schema.keys()
    ):
        schema["pattern"] = NOT_BLANK
    for value in schema.values():
        if isinstance(value, dict | list):
            _require_not_blank(value)


def document_not_blank_text(result, generator, request, public):
    """drf-spectacular postprocessing hook: request text that may not be blank (minLength 1)
    must also hold a character other than whitespace, since DRF trims it first; otherwise a
    value of spaces (or of characters such as U+001C that Python counts as whitespace) would
    be valid by the schema and refused by the API."""
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            _require_not_blank(schema)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if body:
                _require_not_blank([media.get("schema") for media in body["content"].values()])
    return result


def limit_date_patterns_to_requests(result, generator, request, public):
    """drf-spectacular postprocessing hook: the range patterns of date and datetime fields
    (core.fields) describe what a request may send. A stored value can lie on an edge day the
    date-time pattern leaves out (core.limits), so answers don't carry them."""
    patterns = {limits.DATETIME_PATTERN, limits.DATE_PATTERN}

    def strip(schema) -> None:
        if isinstance(schema, list):
            for item in schema:
                strip(item)
        elif isinstance(schema, dict):
            if schema.get("pattern") in patterns:
                del schema["pattern"]
            for value in schema.values():
                strip(value)

    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Request"):
            strip(schema)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict):
                strip(operation.get("responses"))
    return result
