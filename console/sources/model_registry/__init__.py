"""The Kubeflow Model Registry (REST, httpx)."""
