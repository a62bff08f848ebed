from django.urls import path

from cospiral.core.routes import pages
from cospiral.syntheses import views

app_name = "syntheses"
urlpatterns = [
    path("", views.index, name="index"),
    path("group/<int:pk>/", views.group_synthesis, name="group"),
    *pages(views, {
        "group_pdf": "group/<int:pk>/pdf/",
        "group_csv": "group/<int:pk>/csv/",
        "group_validate": "group/<int:pk>/validate/",
        "group_sentence_add": "group/<int:pk>/components/<int:component>/sentences/new/",
    }),
    path("territory/", views.territory_synthesis, name="territory"),
    *pages(views, {
        "territory_pdf": "territory/pdf/",
        "territory_csv": "territory/csv/",
        "territory_validate": "territory/validate/",
        "territory_sentence_add": "territory/components/<int:component>/sentences/new/",
        "sentence_edit": "sentences/<int:pk>/",
        "sentence_delete": "sentences/<int:pk>/delete/",
        "crossing": "crossing/<int:pk>/",
        "criterion_add": "crossing/<int:pk>/components/<int:component>/criteria/new/",
        "criterion_edit": "criteria/<int:pk>/",
        "criterion_delete": "criteria/<int:pk>/delete/",
        "definition": "definition/",
        "definition_pdf": "definition/pdf/",
        "definition_introduction": "definition/introduction/",
    }),
]
