from django.urls import include, path

from cospiral.api import views
from cospiral.api.api import api

key_patterns = ([
    path("", views.keys, name="list"),
    path("<int:pk>/revoke/", views.revoke, name="revoke"),
], "api_keys")

urlpatterns = [
    path("keys/<slug:territory>/", include(key_patterns)),
    path("", api.urls),
]
