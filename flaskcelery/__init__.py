"""The flaskcelery example: the flaskcors JSON-RPC server hands its work to Celery workers.

The server lives in :mod:`flaskcelery.flask_source`; the browser page is
``flaskcelery/FLASKCELERYExample.py``.
"""
