"""Survey pages of a territory (``t/<territory>/surveys/``). Each part of the survey
pages (waves, paper channels, results) keeps its own view module; their routes are
listed here."""

app_name = "surveys"

urlpatterns: list = []
