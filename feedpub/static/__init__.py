"""Writing a site as static files: the writer and its manifest, rendering in worker processes, and the
archive ledger beside the articles."""
