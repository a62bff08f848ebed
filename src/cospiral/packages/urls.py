from django.urls import path

from cospiral.packages import views

app_name = "packages"
urlpatterns = [
    path("", views.package, name="package"),
    path("download/", views.download, name="download"),
]
