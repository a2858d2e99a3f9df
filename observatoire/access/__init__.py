"""Who sees what: roles and perimeters read from a data file, and the perimeter every store question obeys.

No Streamlit here: components/access.py is the page side (sign-in, refusals).
"""
