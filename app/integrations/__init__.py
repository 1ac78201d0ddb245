"""External data sources: a registry of source types (Jira, Grafana, generic REST/JSON).

`registry` lists the types; each declares its settings schema and secret keys,
tests a connection and fetches pages (`base`, `jira`, `grafana`, `rest`). `http`
is the shared client (retries, SSRF `guard`), `mapping` turns JSON into typed
rows with JSONPath, `templates` fills `{client_key}`/`{since}`. Nothing here
touches the database: `app.services.sync.runs` runs queries and records them.
"""
