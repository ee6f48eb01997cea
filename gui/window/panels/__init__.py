"""One module per panel of the window (inputs, history, inspector, explain, lessons, ...).

Each panel takes the model it shows in its constructor and subscribes to its signals.
"""
