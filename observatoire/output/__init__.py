"""What is shown or written: French number formats, Altair charts, table files (CSV, XLSX)."""
