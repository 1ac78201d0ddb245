"""Contracts: the "ending within N days" filter of the contract list and `/api/v1/contract/`."""

from __future__ import annotations

#: The URL argument of the "ending within N days" filter, and its largest value.
ENDING_WITHIN_ARG = "ending_within"
MAX_ENDING_WITHIN_DAYS = 3660


def parse_ending_within(raw: str | None) -> int | None:
    """`ending_within` as a number of days; None when absent; ValueError(message) when invalid."""
    text = (raw or "").strip()
    if not text:
        return None
    if text.isdigit() and int(text) <= MAX_ENDING_WITHIN_DAYS:
        return int(text)
    raise ValueError(f"ending_within takes a number of days from 0 to {MAX_ENDING_WITHIN_DAYS}.")
