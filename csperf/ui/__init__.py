"""The Streamlit layer: the only part of csperf that imports streamlit."""
