"""How the Messenger API appears in OpenAPI: as the FastAPI service of seed 004 publishes it.

drf-spectacular suffixes request components with ``Request`` (``COMPONENT_SPLIT_REQUEST``);
FastAPI does not, and a generated client's model names come from the component names, so
this surface's request shapes keep their plain names (``ChatCreate``, ``MessageCreate``).
None of them is also a response, so no two components collide.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance


class MessengerAutoSchema(AutoSchema):
    def _get_serializer_name(self, serializer, direction, bypass_extensions=False) -> str:
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        component = getattr(force_instance(serializer), "component_name", None)
        if component:
            return component
        if direction == "request" and name.endswith("Request"):
            return name[: -len("Request")]
        return name

    def _is_list_view(self, serializer=None) -> bool:
        # A ``list`` action here answers one page object, never a bare array.
        return False
