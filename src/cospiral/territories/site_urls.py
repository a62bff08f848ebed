from django.urls import path

from cospiral.territories import views

app_name = "site_territories"
urlpatterns = [
    path("new/", views.create, name="create"),
]
