"""Pure Plotly figure builders: query results in, a figure as plain dicts out (`common.Figure`).

No database, no request: each builder is unit-tested on hand-made rows. Money
is drawn per currency (one subplot each), every hover names its unit or
currency, no trace carries more than 2,000 points, and missing data gives an
empty figure whose message says what is missing (`common.empty_message`).
"""
