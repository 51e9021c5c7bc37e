"""Errors the trainer reports as `{"event": "error", "userError": true}` (exit code 2)."""


class UserError(Exception):
    """A problem with the job spec, the data or the files it names: retrying will not help."""


def first_line(error: BaseException) -> str:
    """An exception's first line of text (a traceback-free summary for a user's message)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
