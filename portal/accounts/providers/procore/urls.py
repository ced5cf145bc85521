from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from .provider import ProcoreProvider

urlpatterns = default_urlpatterns(ProcoreProvider)
