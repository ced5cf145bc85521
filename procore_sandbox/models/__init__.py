"""The sandbox's own state, one module per Procore area. The portal never imports these."""

from .core import (  # noqa: F401
    CODE_LIFETIME,
    AccessToken,
    App,
    AuthorizationCode,
    Company,
    CompanyMembership,
    Person,
    Project,
    ProjectMembership,
    SeedSecret,
)
from .documents import DocumentFile, DocumentFileVersion, DocumentFolder, LegacyUpload, SandboxClock  # noqa: F401
from .limits import Fault, RateLimitSettings, RateWindow  # noqa: F401
from .pdm import (  # noqa: F401,E501
    DocumentContainer,
    DocumentRevision,
    DocumentUpload,
    PdmField,
    PdmProject,
    PdmSwitch,
    PdmValue,
    UploadRequirement,
)
from .uploads import FileUpload, FileUploadPart  # noqa: F401
from .webhooks import Delivery, DeliveryAttempt, Event, Hook, Trigger  # noqa: F401
