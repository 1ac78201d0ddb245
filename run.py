"""The WSGI entry point that gunicorn and the `flask` CLI load."""

from app import create_app

app = create_app()
