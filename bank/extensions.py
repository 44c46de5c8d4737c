"""Extension objects, created unbound and bound in ``create_app`` (nothing imports the app)."""

from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_smorest import Api
from flask_wtf.csrf import CSRFProtect

from bank.db import Database

db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
api = Api()
