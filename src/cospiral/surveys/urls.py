"""Survey pages of a territory (``t/<territory>/surveys/``), by what a person does: set a
wave up (views/setup.py), type in or import paper questionnaires (views/paper.py) and
read the results (views/results.py). The public side is in public_urls.py."""

from django.urls import path

from cospiral.core.routes import object_pages
from cospiral.surveys.views import paper, results, setup

app_name = "surveys"

urlpatterns = [
    # Set up: list, form, instrument, status, public link, respondent links.
    *object_pages(setup, "index", "create", "detail", "edit"),
    path("<int:pk>/indicators/", setup.indicators, name="indicators"),
    path("<int:pk>/open/", setup.open_wave, name="open"),
    path("<int:pk>/close/", setup.close_wave, name="close"),
    path("<int:pk>/publish/", setup.publish, name="publish"),
    path("<int:pk>/anonymise/", setup.anonymise, name="anonymise"),
    path("<int:pk>/public-link/", setup.public_link, name="public_link"),
    path("<int:pk>/links/", setup.links, name="links"),
    path("<int:pk>/links.csv", setup.links_csv, name="links_csv"),
    path("<int:pk>/links/<int:link>/revoke/", setup.revoke_link, name="revoke_link"),
    # Paper: printable questionnaire, typed-in entry, file import.
    path("<int:pk>/paper/", paper.paper, name="paper"),
    path("<int:pk>/paper/questionnaire.pdf", paper.paper_pdf, name="paper_pdf"),
    path("<int:pk>/paper/entry/", paper.entry, name="paper_entry"),
    path("<int:pk>/paper/typed/", paper.typed_list, name="paper_typed"),
    path("<int:pk>/import/", paper.import_view, name="import"),
    path("<int:pk>/import/template.<str:format>", paper.import_template, name="import_template"),
    # Results: the wave's results, the comparison with its ex-ante wave, exports.
    path("<int:pk>/results/", results.wave_results, name="results"),
    path("<int:pk>/results/comparison/", results.comparison, name="results_comparison"),
    path("<int:pk>/results/export/<slug:what>.<slug:format>", results.export,
         name="results_export"),
]
