"""Inference Console: a terminal console for operating ML model serving on Kubernetes."""

__version__ = "0.1.0"
