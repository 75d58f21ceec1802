"""The flaskcors server, in the seed's files: :mod:`~flaskcors.public.services.flask_example.FlaskEchoApp` (``create_app``),
:mod:`~flaskcors.public.services.flask_example.views` (a view function), :mod:`~flaskcors.public.services.flask_example.method_views` (a class-based view), :mod:`~flaskcors.public.services.flask_example.requests`
(the request class) and :mod:`.run_flask_server` (the command). The JSON-RPC and CORS logic
they use is the :mod:`flask_pyjamas` library's."""
