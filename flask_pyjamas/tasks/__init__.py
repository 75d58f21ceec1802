"""Tasks behind JSON-RPC: Celery inside the Flask app (:mod:`.celery_app`, whose task class
stops a cancelled task at its next ``update_state``), the registry that turns Celery tasks
into JSON-RPC methods and answers ``get_result`` and ``cancel`` (:mod:`.methods`,
:class:`.CeleryMethods`), the states a client sees and their revisions (:mod:`.states`),
the records kept beside a task's result (:mod:`.records`), the cluster-wide cap on heavy
tasks (:mod:`.task_slots`), the embedded broker (:mod:`.embedded_broker`), and what makes
waiting cheap: one result watcher per process (:mod:`.result_watcher`,
:mod:`.result_store`, :mod:`.redis_notifier`) and the workers' cleanup of expired results
(:mod:`.result_expiry`)."""
