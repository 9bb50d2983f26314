"""The failures feedpub expects, as one hierarchy: the command line and the server catch `FeedpubError`
at their edge and say its message in one line; anything else is a bug and may show a traceback.

Bad article files are not among them: each becomes a `feedpub.model.Problem` value, so one bad file never
stops the others.
"""


class FeedpubError(Exception):
    """Something feedpub cannot do; the message says what, which file or setting, and what to do."""

    exit_status = 1  # the command line's status: 1, the work failed


class SettingsError(FeedpubError):
    """A setting that cannot be used (from feedpub.toml, the environment or a flag)."""

    exit_status = 2  # a usage or settings mistake, as argparse's own errors


class InputError(FeedpubError):
    """The seeds folder (or the archive ledger in it) cannot be read as a whole."""

    exit_status = 2


class OutputError(FeedpubError):
    """The output folder, or a file feedpub keeps beside the articles, cannot be written."""


class NetworkError(FeedpubError):
    """A remote service (a WebSub hub, an object store) cannot be reached or refused the request."""
