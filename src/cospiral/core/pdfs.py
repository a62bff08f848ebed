"""PDFs built once per content, by a job, kept in ``<data dir>/cache/pdf/``.

A PDF route computes the document's *content key*: a hash of a cheap fingerprint of
what the document shows (the kind and parameters of the document, the reader's
language and role, the last audit entry of the territory and of the site, and the
count, last id and last change of the rows a document reads that are written without
an audit entry, such as anonymous cards and questionnaires) and of the code that draws
it (every source, template and catalogue file of the package, and WeasyPrint's version).
While nothing changed, the route serves the kept file at once and writes nothing;
otherwise it starts the job that builds it (or joins the one already building it) and
answers with the job's page, whose result is the download.

Every write of the project goes through a service that records an audit entry in its
transaction, so the territory's last audit entry changes with every change a document
could show; rows written without one are counted by the ``extra`` query sets."""

from __future__ import annotations

import contextvars
import hashlib
import json
import os
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Max, Q
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation

from cospiral.core import background
from cospiral.core.models import AuditEntry

#: Bump to rebuild every kept PDF (the code's own hash changes with any file anyway).
FORMAT = "1"
_HASHED_SUFFIXES = {".py", ".html", ".css", ".js", ".mo", ".json", ".csv", ".svg"}


def cache_dir() -> Path:
    return Path(settings.DATA_DIR) / "cache" / "pdf"


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the package's files that draw a document (computed once a process)."""
    from importlib.metadata import version

    import cospiral

    root = Path(cospiral.__file__).parent  # WeasyPrint's version without importing it (slow)
    digest = hashlib.sha256(f"{cospiral.__version__}|{version('weasyprint')}|{FORMAT}".encode())
    for path in sorted(root.rglob("*")):
        if path.suffix in _HASHED_SUFFIXES and "__pycache__" not in path.parts and path.is_file():
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _state(queryset) -> list:
    fields = {f.name for f in queryset.model._meta.get_fields()}
    aggregates = {"n": Count("pk"), "last": Max("pk")}
    if "updated_at" in fields:
        aggregates["changed"] = Max("updated_at")
    values = queryset.order_by().aggregate(**aggregates)
    return [queryset.model._meta.label_lower] + [str(values[k]) for k in sorted(values)]


def _language() -> str:
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]


def content_key(kind: str, territory, *, role: str | None, language: str, params: dict,
                extra=()) -> str:
    """The content key of a document (see the module's docstring): its document's id and
    the hash of its content, ``<document>-<content>``."""
    audit = AuditEntry.objects.filter(Q(territory=territory) | Q(territory__isnull=True)) \
        .order_by().aggregate(last=Max("id"))["last"]
    where = [territory.pk, str(getattr(territory, "created_at", ""))] if territory else None
    fingerprint = [kind, code_version(), language, str(role or ""), where, params, audit,
                   [_state(qs) for qs in extra]]
    text = json.dumps(fingerprint, sort_keys=True, default=str)
    doc = document_id(kind, territory, role=role, language=language, params=params)
    return f"{doc}-{hashlib.sha256(text.encode()).hexdigest()}"


def document_id(kind: str, territory, *, role: str | None, language: str, params: dict) -> str:
    """Which document (whatever its content): at most one job builds it at a time."""
    text = json.dumps([kind, territory.pk if territory else None, str(role or ""), language, params],
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def request_key(request, kind: str, *, params: dict, extra=()) -> str:
    """The content key of a document as the reader of ``request`` would get it."""
    return content_key(kind, getattr(request, "territory", None), role=getattr(request, "role", None),
                       language=_language(), params=params, extra=extra)


def _paths(key: str) -> tuple[Path, Path]:
    """One folder per document, holding the PDF of its latest content only."""
    doc, _, content = key.partition("-")
    folder = cache_dir() / doc
    return folder / f"{content}.pdf", folder / f"{content}.json"


def kept(key: str) -> dict | None:
    """What is known of the kept PDF of ``key`` (``built_at``, ``filename``), or None."""
    pdf_path, meta_path = _paths(key)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not pdf_path.exists():
        return None
    meta["path"] = pdf_path
    return meta


def built_at(key: str):
    """When the kept PDF of ``key`` was built (an aware datetime), or None."""
    meta = kept(key)
    if meta is None:
        return None
    from django.utils.dateparse import parse_datetime

    return parse_datetime(meta.get("built_at", ""))


def keep(key: str, content: bytes, *, filename: str, built) -> None:
    """Keep ``content`` as the PDF of ``key`` (written whole, then renamed into place);
    the document's PDFs of earlier contents are removed (the folder stays small)."""
    pdf_path, meta_path = _paths(key)
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    suffix = f".{os.getpid()}.{threading.get_ident()}.tmp"
    for path, data in ((pdf_path, content),
                       (meta_path, json.dumps({"built_at": built.isoformat(), "filename": filename}).encode())):
        tmp = path.with_name(path.name + suffix)
        tmp.write_bytes(data)
        tmp.replace(path)
    for old in pdf_path.parent.iterdir():
        if old.stem != pdf_path.stem and not old.name.endswith(".tmp"):
            old.unlink(missing_ok=True)


def _download(meta: dict, filename: str) -> FileResponse | None:
    try:
        handle = open(meta["path"], "rb")  # noqa: SIM115  (closed by the response)
    except OSError:  # replaced by a newer content meanwhile
        return None
    return FileResponse(handle, as_attachment=True, filename=filename, content_type="application/pdf")


def respond(request, kind: str, *, params: dict, filename: str, extra=()):
    """Serve the kept PDF of this content at once, else start its job (or join the one
    already building this document) and answer with the job's page. ``params`` (JSON)
    are the job's keyword arguments; the job also gets ``pdf``: the document's language,
    the reader's role, its file name, and the ``extra`` query sets are given again to
    ``build``."""
    territory = getattr(request, "territory", None)
    role, language = getattr(request, "role", None), _language()
    key = content_key(kind, territory, role=role, language=language, params=params, extra=extra)
    meta = kept(key)
    response = _download(meta, filename) if meta is not None else None
    if response is not None:
        return response
    doc = key.partition("-")[0]
    try:
        job = background.start_or_join(kind, territory=territory, user=request.user, params={
            **params, "pdf": {"doc": doc, "role": role, "language": language, "filename": filename}},
            same={"params__pdf__doc": doc})
    except background.JobsUnavailable:
        return render(request, "core/pdf_unavailable.html", status=503)
    return redirect(job.get_absolute_url())


_printing = contextvars.ContextVar("cospiral_printing", default=False)


def printing() -> bool:
    """True while a PDF is being drawn (``build``): a page has no phone screen, so the
    charts draw their wide version only (``cospiral.statistics.phone_charts``)."""
    return _printing.get()


@contextmanager
def printed():
    token = _printing.set(True)
    try:
        yield
    finally:
        _printing.reset(token)


def build(ctx, render, *, extra=()) -> bytes:
    """The body of a PDF job: ``render(now)`` gives the PDF's bytes, drawn in the
    reader's language at ``now`` (the moment the document says it was built). Its
    content key is taken when the job starts (the figures it draws are those of that
    moment or later: a later request for a changed content starts a new job); a PDF of
    the same content kept in the meantime is reused as it is."""
    params = {k: v for k, v in ctx.params.items() if k != "pdf"}
    pdf = ctx.params["pdf"]
    language = pdf.get("language") or settings.LANGUAGE_CODE
    key = content_key(ctx.job.kind, ctx.territory, role=pdf.get("role"), language=language,
                      params=params, extra=extra)
    ctx.set_total(2)
    meta = kept(key)
    try:
        content = Path(meta["path"]).read_bytes() if meta is not None else None
    except OSError:  # replaced by a newer content meanwhile
        content = None
    if content is None:
        now = timezone.now()
        with translation.override(language), printed():
            content = render(now)
        ctx.advance()
        ctx.raise_if_cancelled()
        keep(key, content, filename=pdf["filename"], built=now)
    ctx.save_file(pdf["filename"], content, "application/pdf")
    ctx.advance()
    return content
