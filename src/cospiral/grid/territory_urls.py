from django.urls import path

from cospiral.grid import territory_views as views

app_name = "territory_grid"
urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.export, name="export"),
    path("local/add/", views.add_local, name="add_local"),
    path("local/<int:pk>/edit/", views.edit_local, name="edit_local"),
]
