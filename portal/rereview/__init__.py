"""定期复核: published units update their self-check table and certificates; reviewers keep or revoke."""
