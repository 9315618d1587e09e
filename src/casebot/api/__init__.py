"""HTTP API: create_app(settings) and its routes."""
