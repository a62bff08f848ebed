"""The ``pages`` template tags: a page names itself once, table headers are written once."""

from django.template import Context, Engine

PARENT = ('{% load pages %}<title>{% block title %}base{% endblock %}</title>'
          '<nav>{% reuse "crumb" "title" as here %}{{ here }}</nav>'
          '<h1>{% block heading %}{% reuse "title" %}{% endblock %}</h1>')
ENGINE = Engine(
    loaders=[("django.template.loaders.locmem.Loader", {
        "parent.html": PARENT,
        "child.html": '{% extends "parent.html" %}{% block title %}Axes {{ x }}{% endblock %}',
        "other.html": ('{% extends "parent.html" %}{% block title %}Short{% endblock %}'
                       '{% block crumb %}Crumb{% endblock %}'
                       '{% block heading %}A longer heading{% endblock %}'),
    })],
    libraries={"pages": "cospiral.core.templatetags.pages"},
)


def render(name, **context):
    return ENGINE.get_template(name).render(Context(context))


def test_reuse_repeats_the_most_derived_block_escaped_as_in_the_block():
    assert render("child.html", x="<b>") == (
        "<title>Axes &lt;b&gt;</title><nav>Axes &lt;b&gt;</nav><h1>Axes &lt;b&gt;</h1>")


def test_reuse_takes_the_first_block_the_page_defines():
    assert render("other.html") == "<title>Short</title><nav>Crumb</nav><h1>A longer heading</h1>"


def test_reuse_is_empty_outside_inheritance_or_for_an_unknown_block():
    assert ENGINE.from_string('{% load pages %}[{% reuse "nothing" %}]').render(Context()) == "[]"


def test_column_heads_writes_one_escaped_header_cell_per_label():
    html = ENGINE.from_string('{% load pages %}{% column_heads "Status" label %}').render(
        Context({"label": "<Kind>"}))
    assert html == '<th scope="col">Status</th><th scope="col">&lt;Kind&gt;</th>'
