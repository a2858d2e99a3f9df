"""`observatoire load`: N simulated inspectors speaking Streamlit's websocket protocol to a local server."""
