"""Jira / Grafana sync: data sources, runs, and ingestion of tickets and metric points."""
