"""The public results page of a published wave (no login), reached by the wave's public
token: ``s/results/<public_token>/``. Its routes are added to the survey public URL
module (namespace ``survey_public``)."""

from django.urls import path

from cospiral.surveys import results

urlpatterns = [
    path("results/<str:public_token>/", results.public_results, name="results"),
]
