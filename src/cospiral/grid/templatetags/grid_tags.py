from django import template
from django.utils.html import format_html
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag
def bilingual(texts):
    """The text in the reader's language, with the other language (fr/en) beneath it."""
    texts = texts or {}
    lang = (get_language() or "en").split("-")[0]
    order = [lang] + [code for code in ("fr", "en") if code != lang]
    present = [(code, texts[code]) for code in order if texts.get(code)]
    if not present:
        return ""
    (main_lang, main), rest = present[0], present[1:]
    if not rest:
        return format_html('<span lang="{}">{}</span>', main_lang, main)
    other_lang, other = rest[0]
    return format_html('<span lang="{}">{}</span><br><small class="muted other-lang" lang="{}">{}</small>',
                       main_lang, main, other_lang, other)
