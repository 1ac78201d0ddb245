"""Client service reports (issue 21): what a report shows, its formats, storing, scheduling, sending.

- `period`: the period of a report (a month, a quarter, a custom range).
- `content`: the report's figures, computed by the dashboards' queries and figure builders.
- `document`: the report as HTML (a screen, a standalone document) and as CSV.
- `pdf`: the optional PDF engine (Chromium through Playwright, one warm browser per process).
- `archive`: stored reports: generate, notes, approve, access.
- `delivery`: e-mailing stored reports, once per report and recipient.
- `batches`: generating a period's reports for every scheduled client, with progress.
"""
