"""Flask-AppBuilder's text filters, with `%` and `_` taken literally.

FAB builds "contains", "starts with" and "ends with" (and their negations) as
`ILIKE '%' || value || '%'` without escaping the value, so a search for "50%" also
finds "500 units" and one for "a_b" finds "axb". These subclasses escape the value
(app.db.like); names, URL arguments (`_flt_<n>_<column>`, the REST `opr`) and the
order of the filters per column type are FAB's, so links and API calls are unchanged.
`MsspSQLAInterface` uses the converter below for every screen and REST API.
"""

from __future__ import annotations

from typing import Any

from flask_appbuilder.models.sqla import filters as fab

from app.db.like import escape_like


class _LiteralLikeFilter:
    #: The pattern around the escaped value, e.g. "%{}%".
    template = "{}"
    negated = False

    def apply(self, query: Any, value: Any) -> Any:
        query, field = fab.get_field_setup_query(query, self.model, self.column_name)
        condition = field.ilike(self.template.format(escape_like(str(value))))
        return query.filter(~condition if self.negated else condition)


class FilterStartsWith(_LiteralLikeFilter, fab.FilterStartsWith):
    template = "{}%"


class FilterNotStartsWith(_LiteralLikeFilter, fab.FilterNotStartsWith):
    template, negated = "{}%", True


class FilterEndsWith(_LiteralLikeFilter, fab.FilterEndsWith):
    template = "%{}"


class FilterNotEndsWith(_LiteralLikeFilter, fab.FilterNotEndsWith):
    template, negated = "%{}", True


class FilterContains(_LiteralLikeFilter, fab.FilterContains):
    template = "%{}%"


class FilterNotContains(_LiteralLikeFilter, fab.FilterNotContains):
    template, negated = "%{}%", True


_LITERAL = {
    fab.FilterStartsWith: FilterStartsWith,
    fab.FilterNotStartsWith: FilterNotStartsWith,
    fab.FilterEndsWith: FilterEndsWith,
    fab.FilterNotEndsWith: FilterNotEndsWith,
    fab.FilterContains: FilterContains,
    fab.FilterNotContains: FilterNotContains,
}


class LiteralTextFilterConverter(fab.SQLAFilterConverter):
    """FAB's converter with the escaping text filters in place of FAB's own."""

    conversion_table = tuple(
        (test, [_LITERAL.get(filter_class, filter_class) for filter_class in filter_classes])
        for test, filter_classes in fab.SQLAFilterConverter.conversion_table
    )
