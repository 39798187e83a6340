"""Imports every model so that the metadata (migrations, create_all) sees all tables."""

from lk_corporate.accounts.models import (  # noqa: F401
    AccountToken,
    ActivationCode,
    LoginSession,
    Membership,
    MembershipRole,
    NotificationPreference,
    Role,
    RoleRight,
    User,
)
from lk_corporate.api.models import ApiToken  # noqa: F401
from lk_corporate.certificates.models import ClientCertificate  # noqa: F401
from lk_corporate.clients.models import (  # noqa: F401
    Client,
    Meter,
    MeteringPoint,
    MeterInstallationReading,
)
from lk_corporate.core.audit import AuditEntry  # noqa: F401
from lk_corporate.core.mail import OutgoingMail, OutgoingMailAttachment  # noqa: F401
from lk_corporate.core.submissions import FormSubmission  # noqa: F401
from lk_corporate.countersign.models import CountersignResult  # noqa: F401
from lk_corporate.docflow.models import (  # noqa: F401
    Document,
    DocumentCounter,
    DocumentRevision,
)
from lk_corporate.docsign.models import SigningSession  # noqa: F401
from lk_corporate.invoicing.models import (  # noqa: F401
    CalculationRun,
    CalculationTask,
    Invoice,
)
from lk_corporate.limits.models import LimitRequest, LimitVolume  # noqa: F401
from lk_corporate.messages.models import Attachment, Message, ReadMarker, Thread  # noqa: F401
from lk_corporate.notifications.models import NotificationSent  # noqa: F401
from lk_corporate.payments.models import (  # noqa: F401
    Payment,
    PaymentAllocation,
    ReconciliationAct,
    StatementImport,
)
from lk_corporate.periods.models import BillingPeriod  # noqa: F401
from lk_corporate.reading_acts.models import ReadingAct  # noqa: F401
from lk_corporate.readings.models import Reading  # noqa: F401
from lk_corporate.service_requests.models import ServiceRequest  # noqa: F401
from lk_corporate.supplier.models import SupplierSettings  # noqa: F401
from lk_corporate.tariffs.models import Tariff  # noqa: F401
