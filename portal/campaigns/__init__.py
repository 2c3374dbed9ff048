"""The yearly campaign: windows, deadlines, quotas, scale thresholds and the scoring rubric."""
