"""Scheduled work: the declarative job list (`definitions`), the job functions (`tasks`),
the scheduler process with its leader lock (`scheduler`, `lock`).

Only `flask mssp scheduler` runs jobs; the web workers never do.
"""
