from django.urls import path

app_name = "territory_grid"
urlpatterns: list = []
