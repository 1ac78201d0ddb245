"""Users, roles and the security manager that ties them to Flask-AppBuilder."""
