"""What the pages of a territory share, so that each view keeps only what is its own.

- ``page``: render a territory page with the territory and what the person may do
  (``can_manage``: coordinators; ``can_write``: coordinators and facilitators);
- ``submit``: the POST half of a form page: a valid form calls its service (which checks
  who may and writes), then a message and a redirect; a ``ValidationError`` from the
  service goes on the form (``form_error``) and the view shows the form again;
- ``form_page``: ``submit``, or else the form's page (status 400 when the form has errors);
- ``form_views``: the ``create`` and ``edit`` views of an object's form page;
- ``confirm``: the page that asks before a delete or a restore, and the write it confirms;
- ``act``: a write a button asks for, with its success message or its refusal's reasons;
- ``report``: a service's refusal as one error message a reason;
- ``url``: the address of a page of the request's territory;
- ``or_404``: what a selector found, or the "not found" page when it found nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from cospiral.core.access import can_enter_cards, can_manage, territory_view

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

T = TypeVar("T")


def form_error(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, on the named fields when it has them."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def report(request, error: ValidationError) -> None:
    """Each reason of a service's refusal as an error message of the next page."""
    for message in error.messages:
        messages.error(request, message)


def act(request, write: Callable[[], Any], *, done: str | _StrPromise,
        together: bool = False) -> bool:
    """Call ``write()`` (a service); then its success message ``done``, or the reasons of
    its refusal as error messages (``together``: in one message). True when it was
    written."""
    try:
        write()
    except ValidationError as error:
        if together:
            messages.error(request, " ".join(error.messages))
        else:
            report(request, error)
        return False
    messages.success(request, done)
    return True


def or_404(found: T | None, message: str) -> T:
    """``found``; a 404 with ``message`` when it is None (no such row in this territory)."""
    if found is None:
        raise Http404(message)
    return found


def url(request, name: str, **kwargs) -> str:
    """The address of the page ``name`` of the request's territory."""
    return reverse(name, kwargs={"territory": request.territory.slug, **kwargs})


def page(request, template: str, /, *, status: int = 200, **context) -> HttpResponse:
    """The territory page ``template``; ``territory``, ``can_manage`` and ``can_write``
    are in its context unless the view gives its own."""
    context.setdefault("territory", request.territory)
    context.setdefault("can_manage", can_manage(request))
    context.setdefault("can_write", can_enter_cards(request))
    return render(request, template, context, status=status)


def status_of(form) -> int:
    """400 for a form shown again with its errors, 200 otherwise."""
    return 400 if form.errors else 200


def submit(request, form, save: Callable[[dict], Any], *, done: str | Callable[[Any], str],
           then: str | Callable[[Any], str],
           refused: Callable[[Any, ValidationError], Any] = form_error) -> HttpResponse | None:
    """On a POST of a valid ``form``: ``save(form.cleaned_data)``, the success message
    ``done`` and a redirect to ``then``; ``done`` and ``then`` may be functions of what
    ``save`` returned. None when the view is to show the form (a GET, an invalid form, or
    a ``ValidationError`` from the service, given to ``refused(form, error)``: by default
    put on the form)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        saved = save(form.cleaned_data)
    except ValidationError as error:
        refused(form, error)
        return None
    messages.success(request, done(saved) if callable(done) else done)
    return redirect(then(saved) if callable(then) else then)


def form_page(request, form, save: Callable[[dict], Any], template: str, *,
              done: str | Callable[[Any], str], then: str | Callable[[Any], str],
              **context) -> HttpResponse:
    """``submit``; otherwise the page ``template`` with the form (400 with its errors)."""
    response = submit(request, form, save, done=done, then=then)
    if response is not None:
        return response
    return page(request, template, form=form, status=status_of(form), **context)


def form_views(form: Callable[..., HttpResponse], get: Callable[[Any, int], Any], *,
               roles) -> tuple[Callable[..., HttpResponse], Callable[..., HttpResponse]]:
    """The views ``create`` (``form(request)``: a new object) and ``edit`` (``form(request,
    get(request, pk))``: the object ``pk``) of a form page, both GET and POST, for ``roles``."""

    @territory_view(roles)
    @require_http_methods(["GET", "POST"])
    def create(request):
        return form(request)

    @territory_view(roles)
    @require_http_methods(["GET", "POST"])
    def edit(request, pk):
        return form(request, get(request, pk))

    return create, edit


def confirm(request, subject, write: Callable[..., Any], template: str, /, *, done: str,
            after: str, back: str, **context) -> HttpResponse:
    """GET: the page ``template`` asking to confirm. POST: ``write(subject, user=…)``, the
    message ``done`` and on to ``after``; a service's refusal goes ``back`` with its
    reasons."""
    if request.method == "POST":
        try:
            write(subject, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(back)
        messages.success(request, done)
        return redirect(after)
    return page(request, template, back=back, **context)
