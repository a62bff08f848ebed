from django.urls import path

from cospiral.review import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:cycle>/", views.review, name="review"),
    path("<int:cycle>/pdf/", views.pdf, name="pdf"),
    path("<int:cycle>/lessons/", views.edit, name="edit"),
    path("<int:cycle>/elected/", views.add_elected, name="add_elected"),
    path("<int:cycle>/elected/<int:member>/remove/", views.remove_elected, name="remove_elected"),
]
