from django.urls import path

from cospiral.accounts import views

app_name = "invitations"
urlpatterns = [
    path("", views.invitations, name="list"),
    path("<int:pk>/withdraw/", views.invitation_revoke, name="withdraw"),
]
