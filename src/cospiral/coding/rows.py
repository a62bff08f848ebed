"""The card rows of the coding board, rendered in Python.

A board shows every card of a group (200 and more after a long session) and a row per
card through the template engine cost about 1 ms of server CPU each, most of a board
view; built here (f-strings, every value through ``html.escape``) they cost a few
hundredths of that. One renderer for the board page and for the rows the board's
script receives after each save. What a row does not show (full code,
split, not codable, uncode) is the card's tools page, fetched on demand."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape as _escape

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Row:
    """What every row of one page shares: translated words, the cards' URL prefix, the
    request's CSRF token."""

    cards_url: str
    csrf: str
    language: str | None
    can_code: bool
    split_part: str
    coded_by: str
    not_codable: str
    not_coded: str
    code_label: str
    placeholder: str
    matching: str
    save: str
    suggest: str
    tools: str
    tools_link: str

    @classmethod
    def of(cls, request, territory, *, can_code: bool, language: str | None = None) -> Row:
        code_url = reverse("coding:code", kwargs={"territory": territory.slug, "pk": 0})
        return cls(
            cards_url=code_url.removesuffix("0/code/"), csrf=get_token(request) if can_code else "",
            language=language, can_code=can_code,
            split_part=_("(part of a split card)"), coded_by=_("coded by"),
            not_codable=_("Not codable:"), not_coded=_("Not coded yet"),
            code_label=_("Code of the card"), placeholder=_("A01, or a few letters of a label"),
            matching=_("Matching components"), save=_("Save code"),
            suggest=_("Suggestions (a person decides):"),
            tools=_("Full code, split, not codable, uncode"), tools_link=_("Open the tools of this card"),
        )

    def render(self, card, *, focus: int | None = None) -> SafeString:
        e = _escape
        pk = str(card.pk)
        if card.component_id:
            state = "is-coded"
            status = (f'<strong class="code-badge">{e(card.full_code or card.component.code)}</strong> '
                      f'{e(card.component.label(self.language))}')
            if card.coded_by_id and card.coded_by:
                status += f' <span class="muted">{e(self.coded_by)} {e(card.coded_by.get_username())}</span>'
        elif card.not_codable_reason:
            state = "is-not-codable"
            status = f"<strong>{e(self.not_codable)}</strong> {e(card.not_codable_reason)}"
        else:
            state = "is-uncoded"
            status = f'<span class="muted">{e(self.not_coded)}</span>'
        split = f' <small class="muted">{e(self.split_part)}</small>' if card.split_from_id else ""
        question = card.question
        drag = ' draggable="true"' if self.can_code else ""
        head = (f'<li class="coding-card {state}" id="card-{pk}" data-card="{pk}"{drag} '
                f'aria-labelledby="card-{pk}-text">\n'
                f'<div class="card-row">\n<p class="coding-card-text"><span class="badge" '
                f'title="{e(question.text(self.language))}">{e(question.code)}</span> '
                f'<span id="card-{pk}-text">{e(card.text)}</span>{split}\n'
                f'<small class="coding-card-status" id="card-{pk}-status">{status}</small></p>\n')
        if not self.can_code:
            return mark_safe(head + "</div>\n</li>")
        seen = e(card.updated_at.isoformat()) if card.updated_at else ""
        action = f"{self.cards_url}{pk}/code/"
        hidden = (f'<input type="hidden" name="csrfmiddlewaretoken" value="{e(self.csrf)}">'
                  f'<input type="hidden" name="seen" value="{seen}">')
        autofocus = " autofocus" if focus == card.pk else ""
        parts = [head, (
            f'<form method="post" action="{action}" class="code-form" id="code-form-{pk}" data-card="{pk}">{hidden}\n'
            f'<div class="combobox"><span id="code-{pk}-label" class="visually-hidden">{e(self.code_label)}</span>\n'
            f'<input type="text" id="code-{pk}" name="code" class="code-input" autocomplete="off" spellcheck="false" '
            f'value="{e(card.full_code)}" placeholder="{e(self.placeholder)}" '
            f'aria-labelledby="code-{pk}-label card-{pk}-text" role="combobox" aria-autocomplete="list" '
            f'aria-expanded="false" aria-controls="code-{pk}-list" '
            f'aria-describedby="card-{pk}-status card-{pk}-error"{autofocus}>\n'
            f'<ul role="listbox" id="code-{pk}-list" class="code-listbox" hidden aria-label="{e(self.matching)}"></ul></div>\n'
            f'<button type="submit" class="save-code">{e(self.save)}</button>\n'
            f'<p class="errorlist" id="card-{pk}-error" role="alert"></p></form>\n</div>\n<div class="card-extras">\n')]
        suggested = getattr(card, "suggested", None)
        if suggested:
            # The translation holds the markup; the values are escaped.
            accept = _('Accept %(code)s %(label)s (%(confidence)s%%)<span class="visually-hidden"> '
                       'for this card</span>')
            buttons = "".join(
                f'\n<li><button type="submit" name="code" value="{e(s["code"])}" class="secondary outline suggestion">'
                + accept % {"code": e(s["code"]), "label": e(s["label"]), "confidence": e(str(s["percent"]))}
                + "</button></li>"
                for s in suggested)
            parts.append(
                f'<form method="post" action="{action}" class="suggestions" data-card="{pk}">{hidden}\n'
                f'<span id="card-{pk}-suggest" class="muted">{e(self.suggest)}</span>\n'
                f'<ul class="actions-row" aria-labelledby="card-{pk}-suggest">{buttons}\n</ul></form>\n')
        tools = f"{self.cards_url}{pk}/tools/"
        parts.append(
            f'<details class="card-tools" data-tools="{tools}?fragment=1"><summary>{e(self.tools)}</summary>\n'
            f'<p class="card-tools-link"><a href="{tools}">{e(self.tools_link)}</a></p></details>\n</div>\n</li>')
        return mark_safe("".join(parts))

    def render_all(self, cards, *, focus: int | None = None) -> SafeString:
        return mark_safe("\n".join(self.render(card, focus=focus) for card in cards))
