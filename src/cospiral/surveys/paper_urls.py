"""Routes of the paper channels of a wave (printable questionnaire, typed-in entry,
file import), appended to ``surveys.urls``."""

from django.urls import path

from cospiral.surveys import paper

urlpatterns = [
    path("<int:pk>/paper/", paper.paper, name="paper"),
    path("<int:pk>/paper/questionnaire.pdf", paper.paper_pdf, name="paper_pdf"),
    path("<int:pk>/paper/entry/", paper.entry, name="paper_entry"),
    path("<int:pk>/paper/typed/", paper.typed_list, name="paper_typed"),
    path("<int:pk>/import/", paper.import_view, name="import"),
    path("<int:pk>/import/template.<str:format>", paper.import_template, name="import_template"),
]
