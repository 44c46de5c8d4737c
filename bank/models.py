"""Imports every model module so ``Base.metadata`` is complete (Alembic, tests, create_all).

Each domain package adds its models module here.
"""

from bank.applications import models as application_models  # noqa: F401
from bank.approvals import models as approval_models  # noqa: F401
from bank.arrears import models as arrears_models  # noqa: F401
from bank.audit import models as audit_models  # noqa: F401
from bank.auth import models as auth_models  # noqa: F401
from bank.collateral import models as collateral_models  # noqa: F401
from bank.committee import models as committee_models  # noqa: F401
from bank.compliance import cdd_models as compliance_cdd_models  # noqa: F401
from bank.compliance import models as compliance_models  # noqa: F401
from bank.db import Base
from bank.forbearance import models as forbearance_models  # noqa: F401
from bank.ledger import models as ledger_models  # noqa: F401
from bank.loans import models as loan_models  # noqa: F401
from bank.loans import products_models as loan_product_models  # noqa: F401
from bank.members import models as member_models  # noqa: F401
from bank.monitoring import models as monitoring_models  # noqa: F401
from bank.notifications import models as notification_models  # noqa: F401
from bank.payment_orders import models as payment_order_models  # noqa: F401
from bank.payments import batch_models as payment_batch_models  # noqa: F401
from bank.payments import models as payment_models  # noqa: F401
from bank.payments import payout_models  # noqa: F401
from bank.payments import statement_models as payment_statement_models  # noqa: F401
from bank.pools import models as pool_models  # noqa: F401
from bank.portal import models as portal_models  # noqa: F401
from bank.privacy import models as privacy_models  # noqa: F401
from bank.provisioning import models as provisioning_models  # noqa: F401
from bank.runs import models as run_models  # noqa: F401
from bank.savings import models as savings_models  # noqa: F401
from bank.shares import models as share_models  # noqa: F401
from bank.statements import models as statement_models  # noqa: F401

metadata = Base.metadata
