"""Extension objects, created unbound and bound in ``create_app`` (nothing imports the app)."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_smorest import Api
from flask_wtf.csrf import CSRFProtect

from bank.db import Database

db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
api = Api()
#: Throttling (bank.web.throttle names the limits); storage from RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=get_remote_address, strategy="moving-window")
