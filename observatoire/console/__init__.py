"""The SQL console: one read-only SELECT on the documented views, checked, then run in a sandbox."""
