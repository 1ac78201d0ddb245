"""Import of records from a CSV or XLSX file (issue 18.3), shared by the screen, the REST API
and `flask mssp import`: reading the file (`reading`), the report (`report`) and the run
(`engine`: validate every row, write in one transaction through the flush hooks, audit)."""
