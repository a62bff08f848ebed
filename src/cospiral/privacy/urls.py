from django.urls import path

from cospiral.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("my-data.json", views.download, name="download"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/erase/", views.erase, name="erase"),
]
