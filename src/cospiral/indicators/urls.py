from django.urls import path

from cospiral.indicators import views

app_name = "indicators"
urlpatterns = [
    path("", views.index, name="index"),
    path("library/", views.library_page, name="library"),
    path("library/<slug:key>/start/", views.library_start, name="library_start"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/levels/", views.levels, name="levels"),
    path("<int:pk>/criteria/add/", views.criteria_add, name="criteria_add"),
    path("<int:pk>/criteria/sort/", views.criteria_sort, name="criteria_sort"),
    path("<int:pk>/criteria/<int:criterion>/remove/", views.criterion_remove,
         name="criterion_remove"),
    path("<int:pk>/new-version/", views.version_new, name="version_new"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
