"""Query logic shared by a domain's screens and REST resources (as NetBox's filtersets serve
its UI and its API): one module per domain, imported by `app/views/` and `app/api/` alike."""
