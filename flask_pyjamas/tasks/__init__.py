"""Tasks behind JSON-RPC: Celery inside the Flask app (:mod:`.celery_app`), the JSON-RPC
methods that start, follow and cancel tasks (:mod:`.methods`), the records kept beside a
task's result (:mod:`.records`), the cluster-wide cap on heavy tasks (:mod:`.task_slots`),
the embedded broker (:mod:`.embedded_broker`), and what makes waiting cheap: one result
watcher per process (:mod:`.result_watcher`, :mod:`.result_store`, :mod:`.redis_notifier`)
and the workers' cleanup of expired results (:mod:`.result_expiry`)."""
