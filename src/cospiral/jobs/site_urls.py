from django.urls import path

from cospiral.jobs import views

app_name = "site_jobs"
urlpatterns = [
    path("<int:pk>/", views.site_detail, name="detail"),
    path("<int:pk>/progress/", views.site_progress, name="progress"),
    path("<int:pk>/download/", views.site_download, name="download"),
    path("<int:pk>/cancel/", views.site_cancel, name="cancel"),
]
