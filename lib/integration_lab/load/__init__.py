"""Many buyers at once: the whole journey under load, in one process (`python -m integration_lab load`) and
over HTTP with Locust (`make load-http`)."""
