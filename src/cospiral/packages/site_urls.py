from django.urls import path

from cospiral.packages import views

app_name = "site_packages"
urlpatterns = [
    path("import/", views.import_page, name="import"),
]
