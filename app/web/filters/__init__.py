"""Query logic shared by a domain's screens and REST resources (as NetBox's filtersets serve
its UI and its API): one module per domain, imported by `app/views/` and `app/api/` alike."""

from flask_appbuilder.models.filters import BaseFilter


class FilterCondition(BaseFilter):
    """Applies a ready SQL condition (the value) to a list query."""

    name = "Condition"
    arg_name = "condition"

    def apply(self, query, value):
        return query.filter(value)
