"""The Flask JSON-RPC server of the flaskcors example.

The JSON-RPC protocol (:mod:`.jsonrpc`), the CORS policy (:mod:`.cors`) and their Flask glue
(:mod:`.rpc_http`) are written once here and used by the view function (:mod:`.views`), the
class-based views (:mod:`.method_views`) and the Celery example's views.
"""
