"""The ``lk`` console script: Flask's CLI group over ``create_app``.

``lk run``, ``lk db upgrade`` (Flask-Migrate) and every command the domain packages add.

``lk verify`` is on the group itself, so that Flask finds it without building the app: it is
Flask-free (no database, no configuration), and building the app starts threads of its
extensions (the rate limiter's in-memory storage runs a non-daemon ``threading.Timer``, which
the interpreter joins at exit and which never ends under a faked monotonic clock).
"""

from flask.cli import FlaskGroup

from lk_corporate.app import create_app
from lk_corporate.verification.cli import verify

cli = FlaskGroup(create_app=lambda: create_app(), load_dotenv=False, help="LK Corporate portal.")
cli.add_command(verify)
