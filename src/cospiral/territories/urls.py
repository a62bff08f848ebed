from django.urls import path

from cospiral.territories import views

app_name = "territories"
urlpatterns = [
    path("", views.home, name="home"),
    path("edit/", views.edit, name="edit"),
    path("phases/<int:cycle>/<int:number>/", views.phase, name="phase"),
    path("members/", views.members, name="members"),
    path("members/<int:pk>/role/", views.member_role, name="member_role"),
    path("members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("coordination/", views.coordination, name="coordination"),
    path("coordination/organisations/<int:pk>/", views.organisation_edit,
         name="organisation_edit"),
    path("coordination/seats/<int:pk>/", views.seat_edit, name="seat_edit"),
    path("questions/", views.questions, name="questions"),
    path("questions/<int:pk>/", views.question_edit, name="question_edit"),
    path("audit/", views.audit, name="audit"),
]
