"""Survey pages of a territory (``t/<territory>/surveys/``). Each part of the survey
pages (waves, paper channels, results) keeps its own view module; their routes are
listed here."""

from django.urls import path

from cospiral.surveys import views

app_name = "surveys"

urlpatterns: list = []

# Waves: list, form, instrument, status, public link, respondent links (surveys/views.py).
urlpatterns += [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/indicators/", views.indicators, name="indicators"),
    path("<int:pk>/open/", views.open_wave, name="open"),
    path("<int:pk>/close/", views.close_wave, name="close"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/public-link/", views.public_link, name="public_link"),
    path("<int:pk>/links/", views.links, name="links"),
    path("<int:pk>/links.csv", views.links_csv, name="links_csv"),
    path("<int:pk>/links/<int:link>/revoke/", views.revoke_link, name="revoke_link"),
]

# Paper channels: printable questionnaire, typed-in entry, file import (surveys/paper.py).
from cospiral.surveys.paper_urls import urlpatterns as paper_urlpatterns  # noqa: E402

urlpatterns += paper_urlpatterns

# Results: the wave's results, the comparison with its ex-ante wave, exports (surveys/results.py).
from cospiral.surveys import results as results_views  # noqa: E402

urlpatterns += [
    path("<int:pk>/results/", results_views.wave_results, name="results"),
    path("<int:pk>/results/comparison/", results_views.comparison, name="results_comparison"),
    path("<int:pk>/results/export/<slug:what>.<slug:format>", results_views.export,
         name="results_export"),
]
