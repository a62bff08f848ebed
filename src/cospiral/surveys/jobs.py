"""Jobs of surveys, found by the task engine's autodiscovery: the printed questionnaires
(``paper_pdf``)."""

from cospiral.surveys import paper_pdf  # noqa: F401  (registers surveys.paper_pdf)
