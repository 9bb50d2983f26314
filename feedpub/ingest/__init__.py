"""Reading article files into articles and problems: discovery, front matter, fields, sanitizing, and
the article cache. Reads files, writes none but its own cache."""
