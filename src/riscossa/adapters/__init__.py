"""I/O at the edges: database, files."""
