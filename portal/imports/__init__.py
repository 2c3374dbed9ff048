"""Imports from the ministries' Excel sheets: recommender organisations, staff accounts, experts and the
units of earlier batches.

Each kind is described once (:mod:`portal.imports.kinds`: its columns with header, comment, drop-down
list and parser, its natural key, how a row is created or updated); that description drives the
template, the export of what the portal holds, the reader and the error sheet
(:mod:`portal.imports.sheets`, :mod:`portal.imports.reader`). A preview writes nothing; confirming
re-reads the file and applies every row in the request's one transaction, or nothing
(:mod:`portal.imports.services`).
"""
