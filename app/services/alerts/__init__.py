"""Alerts: kinds, rules, evaluation, the inbox and e-mail digests."""
