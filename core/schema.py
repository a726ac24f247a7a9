"""drf-spectacular post-processing hooks shared by every API operation."""

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
