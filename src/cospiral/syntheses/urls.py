from django.urls import path

from cospiral.syntheses import views

app_name = "syntheses"
urlpatterns = [
    path("", views.index, name="index"),
    path("group/<int:pk>/", views.group_synthesis, name="group"),
    path("group/<int:pk>/pdf/", views.group_pdf, name="group_pdf"),
    path("group/<int:pk>/csv/", views.group_csv, name="group_csv"),
    path("group/<int:pk>/validate/", views.group_validate, name="group_validate"),
    path("group/<int:pk>/components/<int:component>/sentences/new/", views.group_sentence_add,
         name="group_sentence_add"),
    path("territory/", views.territory_synthesis, name="territory"),
    path("territory/pdf/", views.territory_pdf, name="territory_pdf"),
    path("territory/csv/", views.territory_csv, name="territory_csv"),
    path("territory/validate/", views.territory_validate, name="territory_validate"),
    path("territory/components/<int:component>/sentences/new/", views.territory_sentence_add,
         name="territory_sentence_add"),
    path("sentences/<int:pk>/", views.sentence_edit, name="sentence_edit"),
    path("sentences/<int:pk>/delete/", views.sentence_delete, name="sentence_delete"),
    path("crossing/<int:pk>/", views.crossing, name="crossing"),
    path("crossing/<int:pk>/components/<int:component>/criteria/new/", views.criterion_add,
         name="criterion_add"),
    path("criteria/<int:pk>/", views.criterion_edit, name="criterion_edit"),
    path("criteria/<int:pk>/delete/", views.criterion_delete, name="criterion_delete"),
    path("definition/", views.definition, name="definition"),
    path("definition/pdf/", views.definition_pdf, name="definition_pdf"),
    path("definition/introduction/", views.definition_introduction, name="definition_introduction"),
]
