"""Recording the archive ledger beside the articles: `feedpub build` is its one writer.

The server only reads the ledger (and follows its changes), so a served git checkout stays clean and no
two processes race on the file; see `feedpub.feeds.ledger` for what it holds.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import OutputError
from ..feeds.ledger import LEDGER, MAX_LEDGER_BYTES, ArchiveLedger, ledger_bytes, parse_ledger, read_ledger_file
from ..atomic import replace_file


class LedgerError(OutputError):
    """The ledger cannot be updated; the message says which file and why."""


def save_ledger(seeds: Path, ledger: ArchiveLedger) -> bool:
    """Record ``ledger`` in ``seeds``, atomically and merged with what is there (see `merged_onto`); True
    when the file changed. A ledger without pages creates no file. Raises `LedgerError`.

    Writers hold a lock on the seeds folder itself while they read, merge and replace the file, so several
    server workers and a build may record at once without losing each other's pages.
    """
    path = seeds / LEDGER
    try:
        with _locked(seeds):
            try:
                recorded: ArchiveLedger | None = parse_ledger(read_ledger_file(path))
            except FileNotFoundError:
                if not ledger.feeds:
                    return False
                recorded = None
            except ValueError:
                recorded = None  # unusable: replaced, as read_ledger has already warned
            body = ledger_bytes(ledger.merged_onto(recorded))
            if len(body) > MAX_LEDGER_BYTES:
                raise LedgerError(
                    f"the archive ledger {path} would be {len(body):,} bytes, over the limit of "
                    f"{MAX_LEDGER_BYTES:,}; it is left as it was, so new archive pages are not frozen "
                    "(a larger archive_size makes fewer pages)"
                )
            return replace_file(path, body)
    except OSError as error:
        raise LedgerError(
            f"cannot update the archive ledger {path} ({error.strerror or error}), so the archive pages cut since "
            "it was last updated are not frozen and removing an older article may still shift them; "
            "make the seeds folder writable"
        ) from None




@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` itself (no lock file beside the articles); closing releases it."""
    handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)
