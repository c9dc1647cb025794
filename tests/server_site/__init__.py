"""A small Django project that the server tests run under gunicorn and uvicorn (see tests/servers.py)."""
