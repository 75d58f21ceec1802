"""Asynchronous HTTP requests, as Pyjamas' ``pyjamas.HTTPRequest``.

The handler gets ``onCompletion(text)`` for a 2xx answer and ``onError(text, code)``
otherwise, where ``code`` is the HTTP status, or 0 when no response reached the caller (the
server is unreachable, or, in a browser, the CORS policy refused the page's origin) and
``text`` is the body, else the status text, else a description of the failure.
"""

from pyjamas import _browser as _runtime

# __pragma__ ('skip')
from pyjamas._platform import glue as _runtime  # noqa: F811  (CPython)

# __pragma__ ('noskip')

NO_RESPONSE = "No response (server unreachable, or this page's origin refused by CORS)"


class HTTPRequest:
    """Sends one request per call; keeps no state between calls."""

    # __pragma__ ('kwargs')
    def asyncPost(self, url, postData, handler, returnxml=False,
                  content_type=None, headers=None):
        """POST ``postData`` (a string) to ``url``; answer to ``handler`` later.

        Returns the in-flight request (an XMLHttpRequest in the browser, a thread under
        CPython), or None if it could not be started (``handler.onError`` was called)."""
        return self.asyncImpl("POST", url, postData, handler, returnxml, content_type, headers)
    # __pragma__ ('nokwargs')

    # __pragma__ ('kwargs')
    def asyncGet(self, url, handler, returnxml=False, content_type=None, headers=None):
        """GET ``url``; answer to ``handler`` later. Returns as :meth:`asyncPost`."""
        return self.asyncImpl("GET", url, None, handler, returnxml, content_type, headers)
    # __pragma__ ('nokwargs')

    def asyncImpl(self, method, url, postData, handler, returnxml=False,
                  content_type=None, headers=None):
        """The common part of :meth:`asyncPost` and :meth:`asyncGet`."""
        all_headers = {}
        if headers is not None:
            for name, value in headers.items():
                all_headers[name] = value
        if content_type is not None:
            all_headers["Content-Type"] = content_type
        if method == "POST" and "Content-Type" not in all_headers:
            if returnxml:
                all_headers["Content-Type"] = "application/xml; charset=utf-8"
            else:
                all_headers["Content-Type"] = "text/plain; charset=utf-8"

        def on_done(status, text, status_text):
            if 200 <= status < 300:
                if returnxml:
                    handler.onCompletion(_runtime.parse_xml(text))
                else:
                    handler.onCompletion(text)
            elif text:
                handler.onError(text, status)
            elif status_text:
                handler.onError(status_text, status)
            else:
                handler.onError(NO_RESPONSE, status)

        try:
            return _runtime.send(method, url, postData, all_headers, on_done)
        except Exception as error:  # e.g. a malformed URL or header, refused at once
            handler.onError(str(error), 0)
            return None
