"""Infrastructure every domain stands on: configuration, database, requests, pages, security, CLI."""
