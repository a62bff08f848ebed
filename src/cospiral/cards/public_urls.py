from django.urls import path

from cospiral.cards import public_views
from cospiral.syntheses import public_views as synthesis_public_views

app_name = "public"
urlpatterns = [
    path("<str:token>/", public_views.entry, name="entry"),
    path("<str:token>/words/", synthesis_public_views.words, name="words"),
]
