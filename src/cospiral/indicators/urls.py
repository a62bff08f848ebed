from django.urls import path

from cospiral.core.routes import object_pages, pages
from cospiral.indicators import views

app_name = "indicators"
urlpatterns = [
    *object_pages(views),
    path("library/", views.library_page, name="library"),
    *pages(views, {
        "library_start": "library/<slug:key>/start/",
        "levels": "<int:pk>/levels/",
        "criteria_add": "<int:pk>/criteria/add/",
        "criteria_sort": "<int:pk>/criteria/sort/",
        "criterion_remove": "<int:pk>/criteria/<int:criterion>/remove/",
        "version_new": "<int:pk>/new-version/",
    }),
]
