"""What every API surface shares, so one rule of request plumbing lives in one place.

- ``auth``: the DRF authentication classes (user token, session token, API key).
- ``bearer``: reading ``Authorization: Bearer <token>``, for REST and websockets alike.
- ``bodies``: the JSON parser with a nesting limit, and "the body is a JSON object".
- ``errors``: classifying an exception once (domain error, 404, validation, auth,
  throttled, other API error); each surface only renders the classification.
- ``fields``: strict serializer fields (a JSON string is a string, a UUID a UUID string).
- ``filters``: list queries as django-filter ``FilterSet``s (validation, defaults, and the
  OpenAPI parameters from one declaration).
- ``ids``: malformed ids: in a path a 404 (names nothing), in a body or query a 400.
- ``paging``: ``limit``/``offset`` queries with bounds the database can always honour.
- ``schema``: how credentials and the surfaces' viewsets appear in the OpenAPI document.
"""
