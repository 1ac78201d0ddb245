"""The audit trail: capture of changes (flush listeners), policy, diffs, history, archive."""
