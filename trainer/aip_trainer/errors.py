"""Errors the trainer reports as `{"event": "error", "userError": true}` (exit code 2)."""


class UserError(Exception):
    """A problem with the job spec, the data or the files it names: retrying will not help."""
