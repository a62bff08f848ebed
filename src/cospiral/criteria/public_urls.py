from django.urls import path

from cospiral.criteria import public_views

app_name = "public"
urlpatterns = [
    path("<str:token>/", public_views.entry, name="entry"),
]
