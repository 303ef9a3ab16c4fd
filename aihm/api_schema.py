"""The OpenAPI schema's view of every operation: the errors it can answer, in the one error
shape of aihm.api, and the few field types drf-spectacular documents too narrowly."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from aihm.api import ERROR_DESCRIPTIONS, ErrorSerializer

UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class AutoSchema(SpectacularAutoSchema):
    """Every operation lists the errors it can answer, all in the error shape (`ApiError`), on
    top of the responses its view declares: an error a view declares without a body gets it."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        declared_errors = {int(code) for code in responses if code.isdigit() and int(code) >= 400}
        for code in sorted(self._possible_errors(operation) | declared_errors):
            declared = responses.get(str(code), {})
            if "content" in declared:
                continue
            description = declared.get("description") or ERROR_DESCRIPTIONS.get(code, "")
            responses[str(code)] = self._get_response_for_code(
                OpenApiResponse(ErrorSerializer, description=description), str(code), media_types=["application/json"])
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _possible_errors(self, operation):
        """What any view of this shape can answer, whatever it declares: bad input where there is
        input, 401/403 behind a token, 404 on an object or a page, business rules on writes."""
        query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query" and p["name"] != "format"]
        has_body = "requestBody" in operation
        codes = {503}
        if self.view.throttle_classes:
            codes.add(429)
        if has_body or set(query) - {"page", "page_size"}:
            codes.add(400)
        if has_body:
            codes |= {413, 415}
        if any(requirement for requirement in operation.get("security", [])):
            codes |= {401, 403}
        if "{" in self.path or "page" in query:
            codes.add(404)
        if self.method in UNSAFE_METHODS:
            codes.add(409)
        return codes

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        """An email that may be left empty is documented as such (`format: email` alone refuses "")."""
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.EmailField) and field.allow_blank and schema.get("format") == "email":
            address = {"type": "string", "format": "email"}
            outer = {key: value for key, value in schema.items() if key not in ("type", "format")}
            schema = {**outer, "anyOf": [address, {"type": "string", "maxLength": 0}]}
        return schema


