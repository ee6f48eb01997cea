"""The headless command line (``python main.py trace|run|export|check``): never Qt."""
