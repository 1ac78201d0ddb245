"""Dashboards: SQL aggregates (`queries`), rollup tables kept fresh incrementally (`rollups`),
pure Plotly figure builders (`figures`) and the chart catalogue the views serve (`charts`)."""
