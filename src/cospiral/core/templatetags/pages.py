"""``{% load pages %}``: the small pieces every page shape shares.

- ``{% reuse "title" %}`` renders a block of the page again, so that a page names
  itself once (its ``title`` block) and its heading and breadcrumb repeat it;
- ``{% column_heads _("Name") _("Status") … %}`` writes a table's column headers
  (``<th scope="col">`` each), escaped.
"""

from django import template
from django.template.loader_tags import BLOCK_CONTEXT_KEY
from django.utils.html import format_html_join

register = template.Library()


@register.simple_tag(takes_context=True)
def reuse(context, name):
    """The rendered text of the page's block ``name`` (the most derived one), or ''."""
    block_context = context.render_context.get(BLOCK_CONTEXT_KEY)
    block = block_context.get_block(name) if block_context is not None else None
    if block is None:
        return ""
    with context.push():
        return block.nodelist.render(context)


@register.simple_tag
def column_heads(*labels):
    """``<th scope="col">label</th>`` for each label, in order."""
    return format_html_join("", '<th scope="col">{}</th>', ((label,) for label in labels))
