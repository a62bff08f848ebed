from django.urls import path

from cospiral.grid import views

app_name = "grid"
urlpatterns = [
    path("", views.version_list, name="list"),
    path("import/", views.version_import, name="import"),
    path("<slug:slug>/", views.version_detail, name="detail"),
    path("<slug:slug>/export.csv", views.version_export, name="export"),
]
