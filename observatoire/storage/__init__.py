"""Where the data lives: immutable snapshots, the DuckDB store, the SQL files it runs, the consistency check."""
