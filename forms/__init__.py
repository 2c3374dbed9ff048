"""WTForms classes, one module per domain."""
