"""Imports every model so that the metadata (migrations, create_all) sees all tables."""

from lk_corporate.accounts.models import (  # noqa: F401
    AccountToken,
    ActivationCode,
    LoginSession,
    Membership,
    MembershipRole,
    Role,
    RoleRight,
    User,
)
from lk_corporate.clients.models import Client, Meter, MeteringPoint  # noqa: F401
from lk_corporate.core.audit import AuditEntry  # noqa: F401
from lk_corporate.core.mail import OutgoingMail  # noqa: F401
from lk_corporate.core.submissions import FormSubmission  # noqa: F401
from lk_corporate.docflow.models import (  # noqa: F401
    Document,
    DocumentCounter,
    DocumentRevision,
)
from lk_corporate.docsign.models import SigningSession  # noqa: F401
from lk_corporate.periods.models import BillingPeriod  # noqa: F401
from lk_corporate.supplier.models import SupplierSettings  # noqa: F401
from lk_corporate.tariffs.models import Tariff  # noqa: F401
