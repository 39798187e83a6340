"""The ``lk`` console script: Flask's CLI group over ``create_app``.

``lk run``, ``lk db upgrade`` (Flask-Migrate) and every command the domain packages add.
"""

from flask.cli import FlaskGroup

from lk_corporate.app import create_app

cli = FlaskGroup(create_app=lambda: create_app(), load_dotenv=False, help="LK Corporate portal.")
