"""A bare Flask route: the yardstick that the app's throughput is quoted against (the framework and the server
alone, on the same machine, in the same run).

``gunicorn "benchmarks.bare_app:beside_the_app()"`` serves it at ``/bare/`` in the same processes as the app (at
every other path), so both are measured under the very same server, workers and settings.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"


def beside_the_app():
    """The application, with the bare route mounted at /bare: one WSGI callable for one gunicorn.

    The application also gains ``/bare-signed-in/``: five bytes for a signed-in person, after everything the
    application does around every request (the session, the person read from the database, the language, the
    security headers) and nothing else. It is what any page of the application costs before its own work."""
    from flask_login import login_required
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from wsgi import app as awards

    awards.add_url_rule("/bare-signed-in/", "bare_signed_in", login_required(hello))
    return DispatcherMiddleware(awards, {"/bare": app})
