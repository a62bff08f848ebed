"""Coding the cards on the grid: exact counts, blind double coding, group validation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cospiral.core.models import TerritoryOwned, Timestamped, belongs_to, user_link


class CodingCount(TerritoryOwned):
    """Exact number of cards per territory × group × question × component.

    Three kinds of cell:

    - ``component`` set: the counted cards coded on that component;
    - ``component`` NULL, ``counted`` true: the counted cards not coded (uncoded or not
      codable);
    - ``component`` NULL, ``counted`` false: the cards entered but not counted (alive,
      split into parts or merged into another card).

    So the cards entered, counted and coded of each group and question are sums over
    this small table (deleted cards are in no cell). Maintained in the same transaction
    as every change that moves a card between cells (creating, coding, recoding,
    uncoding, deleting, restoring, splitting, merging, importing, changing a card's
    question). Statistics read this table, never a GROUP BY over cards.
    ``cospiral.coding.counts.recompute`` rebuilds it from the cards; tests prove the two
    always agree.
    """

    group = belongs_to("groups.Group", "+", _("group"))
    question = belongs_to("criteria.Question", "+", _("question"))
    component = models.ForeignKey("grid.GridEntry", on_delete=models.CASCADE, related_name="+",
                                  null=True, blank=True, verbose_name=_("component"))
    counted = models.BooleanField(_("counted"), default=True)
    count = models.PositiveIntegerField(_("cards"), default=0)

    class Meta:
        verbose_name = _("coding count")
        verbose_name_plural = _("coding counts")
        constraints = [
            # NULLs are distinct in unique constraints (SQLite and PostgreSQL alike): the
            # cells without a component get their own partial constraint.
            models.UniqueConstraint(fields=["territory", "group", "question", "component"],
                                    condition=models.Q(component__isnull=False),
                                    name="one_count_per_cell"),
            models.UniqueConstraint(fields=["territory", "group", "question", "counted"],
                                    condition=models.Q(component__isnull=True),
                                    name="one_uncoded_count_per_cell"),
            models.CheckConstraint(condition=models.Q(component__isnull=True) | models.Q(counted=True),
                                   name="coded_count_is_counted"),
        ]
        indexes = [
            # Covering: statistics read every column of a territory's rows from the index
            # alone (a network of 1,000 territories is ~700,000 rows).
            models.Index(fields=["territory", "group", "question", "component", "counted", "count"],
                         name="coding_count_covering"),
        ]


class IndependentCoding(TerritoryOwned, Timestamped):
    """A coding made blind by another facilitator, for the agreement report. It never
    changes the card's agreed coding."""

    card = belongs_to("criteria.Card", "independent_codings", _("card"))
    coder = belongs_to(settings.AUTH_USER_MODEL, "+", _("coder"))
    component = models.ForeignKey("grid.GridEntry", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+", verbose_name=_("component"))
    full_code = models.CharField(_("full code"), max_length=40, blank=True)
    not_codable = models.BooleanField(_("not codable"), default=False)

    class Meta:
        verbose_name = _("independent coding")
        verbose_name_plural = _("independent codings")
        constraints = [
            models.UniqueConstraint(fields=["card", "coder"], name="one_blind_coding_per_coder"),
        ]


class CodingValidation(TerritoryOwned):
    """The group validated the coding of its cards on a date (recorded by a coordinator).
    Later changes stay possible; they are logged and listed as changed after validation."""

    group = belongs_to("groups.Group", "coding_validations", _("group"))
    validated_on = models.DateField(_("validated by the group on"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = user_link(_("recorded by"), blank=False)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("coding validation")
        verbose_name_plural = _("coding validations")
        ordering = ["-validated_on", "-id"]


class SuggestionModel(TerritoryOwned):
    """Where the territory's full suggestion model is on disk, shared by every web process.

    The model (shipped examples, grid words and the territory's confirmed codings) is
    trained off the request and written atomically under ``DATA_DIR/models``; this row
    then names the file, so each process loads the newest one. ``layer_file`` holds the
    feature rows of the confirmed codings (the territory layer) as of ``watermark``;
    ``base_key`` is the content key of the base model whose features they use."""

    file = models.CharField(_("model file"), max_length=200)
    layer_file = models.CharField(_("layer file"), max_length=200, blank=True)
    base_key = models.CharField(_("base model key"), max_length=64)
    trained_on = models.PositiveIntegerField(_("confirmed codings"), default=0)
    watermark = models.DateTimeField(_("codings up to"))
    created_at = models.DateTimeField(_("created"), auto_now=True)

    class Meta:
        verbose_name = _("suggestion model")
        verbose_name_plural = _("suggestion models")
        constraints = [models.UniqueConstraint(fields=["territory"], name="one_suggestion_model")]
