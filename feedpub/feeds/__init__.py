"""What the site publishes, before any format: the catalog, typed document keys, the kinds of feed,
archive pages and their ledger, query feeds. Pure: it writes no files."""
