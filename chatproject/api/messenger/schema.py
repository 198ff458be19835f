"""How the Messenger API appears in OpenAPI: as the FastAPI service of seed 004 publishes it.

drf-spectacular suffixes request components with ``Request`` (``COMPONENT_SPLIT_REQUEST``);
FastAPI does not, and a generated client's model names come from the component names, so
this surface's request shapes keep their plain names (``ChatCreate``, ``MessageCreate``).
None of them is also a response, so no two components collide.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance

from chatproject.api.messenger.validation import Str


class MessengerAutoSchema(AutoSchema):
    def _get_serializer_name(self, serializer, direction, bypass_extensions=False) -> str:
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        component = getattr(force_instance(serializer), "component_name", None)
        if component:
            return component
        if direction == "request" and name.endswith("Request"):
            return name[: -len("Request")]
        return name

    def _get_request_for_media_type(self, serializer, direction="request"):
        # A FastAPI body model is a required parameter: no body at all is a 422
        # "Field required" even when each of the model's fields is optional.
        schema, _ = super()._get_request_for_media_type(serializer, direction)
        return schema, schema is not None

    def _insert_field_validators(self, field, schema):
        # ``Str`` documents its own bounds (``validation.StrSchema``); drf-spectacular would
        # add "or blank" to any string with a pattern, and blank is what the pattern refuses.
        if isinstance(field, Str):
            return
        super()._insert_field_validators(field, schema)

    def _is_list_view(self, serializer=None) -> bool:
        # A ``list`` action here answers one page object, never a bare array.
        return False
