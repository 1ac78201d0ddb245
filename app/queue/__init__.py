"""The job queue: procrastinate on the app's own PostgreSQL (no other service).

`engine` holds the procrastinate App and its connectors, `tasks` the queued tasks (a
scheduled job by id, a sync query run), `worker` the worker processes and threads and the
recovery of jobs whose worker died, `progress` what a "Run now" caller polls. The scheduler
(app.jobs.scheduler) only decides what is due and enqueues it.
"""
