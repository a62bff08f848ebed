from django.urls import path

from cospiral.cards import views

app_name = "criteria"
urlpatterns = [
    path("", views.card_list, name="list"),
    path("entry/", views.bulk, name="bulk"),
    path("import/", views.import_view, name="import"),
    path("import/template.<str:format>", views.template, name="template"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/restore/", views.restore, name="restore"),
    path("<int:pk>/history/", views.history, name="history"),
    path("kit/<int:pk>.pdf", views.kit, name="kit"),
]
