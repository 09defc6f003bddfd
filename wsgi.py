"""WSGI entry point: gunicorn wsgi:app, flask --app wsgi ..."""

from askiso import create_app

app = create_app()
