"""Image and JSON endpoints (placeholder)."""
