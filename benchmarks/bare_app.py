"""A bare Flask route, served by the same gunicorn settings as the app in the load benchmark: the yardstick that
the app's throughput is quoted against (the framework and server alone, on the same machine, in the same run)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
