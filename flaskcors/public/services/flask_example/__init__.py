"""The flaskcors server, in the seed's files: :mod:`.FlaskEchoApp` (``create_app``),
:mod:`.views` (a view function), :mod:`.method_views` (a class-based view), :mod:`.requests`
(the request class) and :mod:`.run_flask_server` (the command). The JSON-RPC and CORS logic
they use is the :mod:`flask_pyjamas` library's."""
