from django.urls import path

from cospiral.groups import views

app_name = "groups"
urlpatterns = [
    path("", views.group_list, name="list"),
    path("new/", views.group_create, name="create"),
    path("<int:pk>/", views.group_detail, name="detail"),
    path("<int:pk>/edit/", views.group_edit, name="edit"),
    path("<int:pk>/sessions/new/", views.session_create, name="session_create"),
    path("<int:pk>/sessions/<int:session_pk>/", views.session_edit, name="session_edit"),
    path("<int:pk>/entry-link/", views.entry_link, name="entry_link"),
    path("<int:pk>/words-handout/", views.words_handout, name="words_handout"),
]
