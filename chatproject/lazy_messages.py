"""Django's message middleware, with the storage made only when a request uses it.

Django's builds the storage of every request up front: a fallback storage over a cookie
storage (whose signer derives its key) and a session storage. Only the admin and a few
pages ever add or show a message; every API request paid ~2% of its CPU for nothing. Here
``request._messages`` is a lazy object: the first use builds Django's storage, and a request
that never touched it has nothing to store (Django's ``update`` would have done nothing).
"""

from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.utils.functional import SimpleLazyObject, empty


class LazyMessageMiddleware(MessageMiddleware):
    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response  # never used: no message added, none shown
        return super().process_response(request, response)
