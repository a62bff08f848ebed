"""The web channel of survey waves (``s/``): no account. A wave's public link
(``s/<public token>/``) starts a questionnaire under a personal resume key
(``s/w/<wave>/<resume key>/``); a personal link (``s/r/<token>/``) answers once. Both
share the same screens; each screen's name is the same for both, and the URL's keyword
arguments choose which. A published wave's results: ``s/results/<public token>/``."""

from django.urls import path

from cospiral.surveys.views import answer as views
from cospiral.surveys.views import results

app_name = "survey_public"

SCREENS = [
    ("q/<int:number>/", views.question, "question"),
    ("about-you/", views.profile, "profile"),
    ("review/", views.review, "review"),
    ("thanks/", views.thanks, "thanks"),
]

urlpatterns = [
    path("results/<str:public_token>/", results.public_results, name="results"),
    path("r/<str:token>/", views.personal, name="personal"),
    *[path(f"r/<str:token>/{route}", view, name=name) for route, view, name in SCREENS],
    path("w/<int:wave>/<str:resume>/", views.resume, name="resume"),
    *[path(f"w/<int:wave>/<str:resume>/{route}", view, name=name) for route, view, name in SCREENS],
    path("<str:public_token>/", views.start, name="start"),
]
