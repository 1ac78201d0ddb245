"""Our Flask-AppBuilder extension kit, shared by the screens (`app/views/`) and the REST
resources (`app/api/`), which never import each other.

What a screen gets (`base.MsspModelView`): the data model with row filters and deep-page
limits (`datamodel`, `row_filters`), list paging, sorting and quick text filters (`listing`,
`text_filters`), search-as-you-type pickers (`lookups`), form fields and widgets (`fields`,
`forms`), the one write path that turns database refusals into field messages (`writes`,
`db_errors`), human labels and value display (`labels`, `display`, `translations`), CSV export
(`csv_export`), custom-field columns, filters and inputs (`custom_field_support`), permission
names (`permissions`) and the error pages (`error_handlers`).

What a REST resource gets (`rest.MsspModelRestApi`): the same data model, refusals and
custom-field filters, per-request marshmallow schemas (`rest_schemas`), the cookie-session
CSRF check (`csrf`) and a strict rison `q` (`rison_schema`).

Query logic a domain's screens and resources share lives in `filters/<domain>.py`.
"""
