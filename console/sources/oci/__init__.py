"""OCI Distribution (Docker Registry v2) image registries (httpx)."""
