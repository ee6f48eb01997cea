"""The operations of the subset, one node class per PyTorch backward function."""
