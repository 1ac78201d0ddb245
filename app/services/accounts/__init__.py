"""People and their access: users, passwords, login security and the declared roles."""
