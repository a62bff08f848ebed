"""Questions and cards (post-its): the citizens' own words."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cospiral.core.models import (
    CodedInTerritory,
    SoftDeletable,
    SoftDeleteQuerySet,
    Timestamped,
    user_link,
)
from cospiral.grid.models import pick_language


class Question(CodedInTerritory):
    """Q1–Q4 of the method (copied into each territory from the shipped data) or a custom
    question. ``code`` is the stable identifier used in imports and exports."""

    code = models.CharField(_("code"), max_length=12,
                            help_text=_("Q1–Q4 for the method's questions; your own code otherwise."))
    texts = models.JSONField(_("texts"), default=dict)
    is_method_question = models.BooleanField(_("question of the method"), default=False)
    enabled_cycles = models.ManyToManyField("territories.Cycle", blank=True,
                                            related_name="questions",
                                            verbose_name=_("asked in cycles"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta(CodedInTerritory.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.text()}"

    def text(self, language: str | None = None) -> str:
        return pick_language(self.texts, language)


class CardQuerySet(SoftDeleteQuerySet):

    def counted(self):
        """The cards that count in statistics: alive, not split into parts, not merged
        into another card (the rule of ``cospiral.domain.coding.is_counted``)."""
        return self.filter(deleted_at__isnull=True, is_split=False, merged_into__isnull=True)


class Card(SoftDeletable, Timestamped):
    """One post-it: one idea, written by one person, in answer to one question.

    Cards are the largest table (a network holds millions), so it carries only the
    indexes its reads use: (territory, group, question) and the import keys. Every read
    is scoped by territory first, which makes single-column indexes on territory and
    group redundant; who entered or deleted a card is shown per card, never searched.
    """

    territory = models.ForeignKey("territories.Territory", on_delete=models.CASCADE,
                                  related_name="+", verbose_name=_("territory"),
                                  db_index=False)

    class Channel(models.TextChoices):
        PAPER = "paper", _("Paper")
        ONLINE = "online", _("Online")

    group = models.ForeignKey("groups.Group", on_delete=models.PROTECT, related_name="cards",
                              verbose_name=_("group"), db_index=False)
    session = models.ForeignKey("groups.Session", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="cards", verbose_name=_("session"))
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="cards",
                                 verbose_name=_("question"))
    text = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=8, default="fr")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices,
                               default=Channel.PAPER)
    author_tag = models.CharField(
        _("anonymous author tag"), max_length=40, blank=True,
        help_text=_("Optional: the same tag for cards by the same person, never a name."),
    )
    ref = models.CharField(
        _("reference"), max_length=64, blank=True,
        help_text=_("Your own number for this card, e.g. the number written on the paper post-it."),
    )
    # NULL, not "", for cards typed in or sent online: the per-territory uniqueness of
    # import keys must ignore them.
    import_key = models.CharField(_("import key"), max_length=64, null=True, blank=True,  # noqa: DJ001
                                  editable=False)
    component = models.ForeignKey("grid.GridEntry", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="cards", verbose_name=_("component"))
    full_code = models.CharField(_("full code"), max_length=40, blank=True)
    # Coding (issue 3). The card's component is the agreed coding; who confirmed it and
    # when. A suggestion never sets these: only a person does.
    coded_by = user_link(_("coded by"), db_index=False)
    coded_at = models.DateTimeField(_("coded"), null=True, blank=True)
    not_codable_reason = models.CharField(
        _("not codable because"), max_length=300, blank=True, default="", db_default="",
        help_text=_("Filled when the card cannot be coded on the grid, with the reason."),
    )
    # Splitting a post-it into several ideas: each new card points to the original, which
    # stays (never deleted) but is no longer counted. Merging duplicates: the duplicate
    # points to the card it was merged into and is no longer counted.
    split_from = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="split_parts", verbose_name=_("split from"))
    # db_default here and above: the fast insert path of imports writes raw rows
    # without these columns.
    is_split = models.BooleanField(_("split into several ideas"), default=False,
                                   db_default=False)
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="merged_cards", verbose_name=_("merged into"))
    created_by = user_link(_("entered by"), db_index=False)
    deleted_by = user_link(_("deleted by"), db_index=False)

    objects = CardQuerySet.as_manager()

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        ordering = ["created_at", "id"]
        constraints = [
            # Re-importing a file never duplicates a card.
            models.UniqueConstraint(fields=["territory", "import_key"], name="unique_import_key"),
        ]
        indexes = [
            models.Index(fields=["territory", "group", "question"]),
        ]

    def __str__(self) -> str:
        return self.text[:60]
