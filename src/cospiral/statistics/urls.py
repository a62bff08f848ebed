from django.urls import path

from cospiral.statistics import views

app_name = "stats"

urlpatterns = [
    path("", views.territory, name="territory"),
    path("groups/<int:pk>/", views.group, name="group"),
    path("compare/", views.compare, name="compare"),
    path("network/", views.network, name="network"),
    path("export/<str:format>/", views.export, name="export"),
]
