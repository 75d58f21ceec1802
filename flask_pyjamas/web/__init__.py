"""The Flask glue: the ``flask.Request`` subclass that reads ``application/json-rpc``
(:mod:`.request`), the preflight and ``POST`` answers with their transport faults
(:mod:`.transport`), and the view classes and functions that expose a method registry
(:mod:`.views`)."""
