"""Under daphne, a request body reaches Django as the client sent it, form or not.

daphne's request class is Twisted's, and Twisted parses every POST whose type is a form
(urlencoded or multipart) into ``request.args`` before daphne sees the request. daphne
never reads ``args``, so that parse only costs:

- an upload's parts copied into memory once more, besides the body Django reads;
- for a multipart body Twisted cannot parse, Twisted's own bare ``400`` and a dropped
  connection, where the surface would answer its documented error;
- on every POST, even a JSON one, ~0.5 ms of the event loop for the ``Content-Type`` check
  alone (Twisted reads the header with the ``email`` package's parser; ``bench/RESULTS.md``,
  round 10).

Twisted lets a request turn the parse off (``parsePOSTFormSubmission``, Twisted 24.7+);
daphne does not pass it, so its request class is given it here, once per process.
"""

import functools
import inspect


def skip_form_parsing() -> None:
    """Make daphne's requests leave POST bodies to the application (no-op without daphne,
    or with a Twisted too old to offer the switch)."""
    try:
        from daphne.http_protocol import WebRequest
        from twisted.web.http import Request
    except ImportError:
        return
    if getattr(WebRequest, "leaves_forms_to_the_application", False):
        return
    if "parsePOSTFormSubmission" not in inspect.signature(Request.__init__).parameters:
        return
    original = WebRequest.__init__

    @functools.wraps(original)
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("parsePOSTFormSubmission", False)
        original(self, *args, **kwargs)

    WebRequest.__init__ = __init__
    WebRequest.leaves_forms_to_the_application = True
