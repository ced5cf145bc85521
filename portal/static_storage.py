"""Where `collectstatic` puts the static files in production."""

from __future__ import annotations

from django.contrib.staticfiles.storage import HashedFilesMixin
from whitenoise.storage import CompressedManifestStaticFilesStorage  # type: ignore[import-untyped]

# Django's patterns for `import ... from "./x.js"` in JavaScript modules (what its
# `support_js_module_import_aggregation` switches on, for every .js file).
_MODULE_IMPORTS = HashedFilesMixin._js_module_import_aggregation_patterns[1]  # type: ignore[attr-defined]


class StaticStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed, hashed files; in the portal's own JavaScript modules the imports are
    rewritten to the hashed names too (static/portal/grid/), so a module's imports come from the
    same release as the module, are cached for good, and are the very files the page's
    modulepreload links fetch. Only the portal's own files: third-party scripts may name imports
    that are not shipped (django-htmx's extensions do)."""

    patterns = (*CompressedManifestStaticFilesStorage.patterns, ("portal/*.js", _MODULE_IMPORTS))
