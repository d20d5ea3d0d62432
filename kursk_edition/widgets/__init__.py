"""The notebook panels: ipywidgets sliders driving the Python models, for a live kernel."""
