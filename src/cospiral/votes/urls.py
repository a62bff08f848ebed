from django.urls import path

from cospiral.core.routes import object_pages
from cospiral.votes import combined_views, views

app_name = "votes"
urlpatterns = [
    *object_pages(views, "index", "create", "detail", "edit"),
    path("combined/", combined_views.combined, name="combined"),
    path("<int:pk>/open/", views.open_round, name="open"),
    path("<int:pk>/close/", views.close_round, name="close"),
    path("<int:pk>/ballot/", views.ballot, name="ballot"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/results/csv/", views.results_csv, name="results_csv"),
    path("<int:pk>/links/", views.tokens, name="tokens"),
    path("<int:pk>/links/csv/", views.tokens_csv, name="tokens_csv"),
    path("<int:pk>/links/slips/", views.slips, name="slips"),
    path("<int:pk>/links/<int:link>/revoke/", views.revoke_token, name="revoke_token"),
]
