from django.urls import path

from cospiral.core.routes import object_pages
from cospiral.existing_actions import views

app_name = "evaluations"
urlpatterns = [
    *object_pages(views),
    path("coverage/", views.coverage, name="coverage"),
    path("export/<str:format>/", views.export, name="export"),
    path("<int:pk>/restore/", views.restore, name="restore"),
]
