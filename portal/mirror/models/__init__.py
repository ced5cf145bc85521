"""The mirror's models: Procore's companies, projects and documents (core), Document Management (pdm),
the people person fields may name (people), and the roles the portal grants in projects (roles)."""

from .core import Company, File, Folder, Membership, Project, SyncRun  # noqa: F401
from .pdm import NamingStandard, PdmField, PdmValue, Revision, UploadRule  # noqa: F401
from .people import ProjectPerson  # noqa: F401
from .roles import ProjectRole  # noqa: F401
