"""``{% load pages %}``: the small pieces every page shape shares.

- ``{% reuse "title" %}`` renders a block of the page again, so that a page names
  itself once (its ``title`` block) and its heading and breadcrumb repeat it
  (``core/page.html``, ``core/narrow.html``, ``core/section.html``);
- ``{% column_heads _("Name") _("Status") … %}`` writes a table's column headers
  (``<th scope="col">`` each), escaped.
"""

from django import template
from django.template.loader_tags import BLOCK_CONTEXT_KEY
from django.utils.html import format_html_join

register = template.Library()


@register.simple_tag(takes_context=True)
def reuse(context, *names):
    """The rendered text of the first of the page's blocks ``names`` that the page defines
    (its most derived version), or ''. ``{% reuse "crumb" "title" as here %}``."""
    block_context = context.render_context.get(BLOCK_CONTEXT_KEY)
    for name in names:
        block = block_context.get_block(name) if block_context is not None else None
        if block is not None:
            with context.push():
                return block.nodelist.render(context)
    return ""


@register.simple_tag
def column_heads(*labels):
    """``<th scope="col">label</th>`` for each label, in order."""
    return format_html_join("", '<th scope="col">{}</th>', ((label,) for label in labels))
