"""Builders shared by the tests: data directories made in code, import samples, the browser harness."""
