"""A citizen's ballot by their personal voter link (``v/<token>/``): no account."""

from django.urls import path

from cospiral.votes import public_views

app_name = "vote_public"
urlpatterns = [
    path("<str:token>/", public_views.ballot, name="ballot"),
]
