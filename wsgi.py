"""The WSGI entry point: ``gunicorn wsgi:app``."""

from awards_app import create_app

app = create_app()
