"""Django's SQLite backend with an in-process queue for writers (see ``base``)."""
