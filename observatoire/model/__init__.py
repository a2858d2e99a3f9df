"""The roadmap and the territory as data: catalogue, territory, filters, dates, UAI codes, geometry, search."""
