from django.urls import path

from cospiral.core.routes import object_pages
from cospiral.indicators import views

app_name = "indicators"
urlpatterns = [
    *object_pages(views),
    path("library/", views.library_page, name="library"),
    path("library/<slug:key>/start/", views.library_start, name="library_start"),
    path("<int:pk>/levels/", views.levels, name="levels"),
    path("<int:pk>/criteria/add/", views.criteria_add, name="criteria_add"),
    path("<int:pk>/criteria/sort/", views.criteria_sort, name="criteria_sort"),
    path("<int:pk>/criteria/<int:criterion>/remove/", views.criterion_remove,
         name="criterion_remove"),
    path("<int:pk>/new-version/", views.version_new, name="version_new"),
]
