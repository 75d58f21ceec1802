"""The flaskcors server, in the seed's files: ``FlaskEchoApp.py`` (``create_app``),
``views.py`` (a view function), ``method_views.py`` (a class-based view), ``requests.py`` (the
request class) and ``run_flask_server.py`` (the command). The JSON-RPC and CORS logic they
use is the :mod:`flask_pyjamas` library's."""
