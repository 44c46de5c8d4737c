"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

from bank import create_app

app = create_app()
