"""Streamlit-side building blocks: filters, cached data access, KPI cards, charts, tables, exports."""
