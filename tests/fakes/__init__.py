"""Local fake Jira and Grafana servers (stdlib http.server) and the fixtures that start them."""
