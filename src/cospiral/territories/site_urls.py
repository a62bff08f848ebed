from django.urls import path

app_name = "site_territories"
urlpatterns: list = []
