"""The JSON API's tests (``bank/api``): the pools' world is the pool pages' (``tests/pools/web``)."""

from __future__ import annotations

from pools.web.conftest import pinned_today, pool_world  # noqa: F401
