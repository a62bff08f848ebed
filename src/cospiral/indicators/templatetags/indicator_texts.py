"""Filters for texts kept per language (``{"fr": ..., "en": ...}``)."""

from django import template

register = template.Library()


@register.filter
def text_in(texts, language):
    """The text in exactly ``language``, or ""."""
    return (texts or {}).get(language, "") if isinstance(texts, dict) else ""


@register.filter
def text_or_other(texts, language):
    """The text in ``language``, else in any other language, else ""."""
    if not isinstance(texts, dict):
        return ""
    return texts.get(language) or next((v for v in texts.values() if v), "")
