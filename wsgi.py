"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

from bank import create_app
from bank.serve import hide_server_name

hide_server_name()
app = create_app()
