"""Exports of a survey wave as CSV or XLSX (the XLSX files carry the codebook as a second
sheet): the results (one row per indicator with every figure, then the family and
synthetic indices), the breakdowns by profile with small-cell suppression applied, the
anonymised raw responses, and the codebook.

The raw responses hold profile codes and level codes only, rows sorted by their content
(profile codes, then levels, column by column): no key, token, respondent number, person
who typed it in, channel or time, and an order that depends only on the answers, never on
their order of arrival (two waves holding the same answers give the same file). They are
released once the wave is closed (``raw_available``)."""

from __future__ import annotations

import numpy as np
from django.http import HttpResponse
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cospiral.core import exports
from cospiral.domain import scoring
from cospiral.domain import survey as rules
from cospiral.domain.cells import neutralise
from cospiral.surveys import profiles, selectors

XLSX_MAX_ROWS = exports.XLSX_MAX_ROWS
FORMATS = exports.FORMATS
language = exports.language
CODEBOOK_HEADER = ["column", "meaning", "code", "label_en", "label_fr"]


_cell = neutralise


def _labels() -> dict[str, str]:
    """Column names in words, in the active language (« Excel (français) » headers)."""
    interval = {"low": _("interval low"), "high": _("interval high")}
    names = {
        "kind": _("Kind"), "code": _("Code"), "version": _("Version"), "family": _("Family"),
        "weight": _("Weight"), "title": _("Title"), "suppressed": _("Hidden (too few answers)"),
        "n": _("Valid answers"), "dont_know": _("Don't know"),
        "not_applicable": _("Not applicable"), "no_answer": _("No answer"),
        "median": _("Median level"), "low_share": _("Share at levels 1–2"),
        "high_share": _("Share at levels 4–5"), "mean": _("Mean level"),
        "score": _("Score (0–100)"), "n_eff": _("Effective sample size"),
        "complete": _("Complete"), "profile_question": _("Profile question"),
        "profile_code": _("Answer code"), "profile_label": _("Answer"),
        "indicator": _("Indicator"), "column": _("Column"), "meaning": _("Meaning"),
        "label_en": _("Label (English)"), "label_fr": _("Label (French)"),
        **{f"share_{level}": _("Share at level %(level)s") % {"level": level}
           for level in scoring.LEVELS},
        **{key: str(label) for key, label in profiles.QUESTION_LABELS.items()},
    }
    for key in ("median", "low_share", "high_share", "mean", "score"):
        for end, words in interval.items():
            names[f"{key}_{end}"] = f"{names[key]}, {words}"
    return names


def Sheet(name: str, header, rows) -> exports.Sheet:  # noqa: N802 (the sheets' one maker)
    """A sheet of a survey export, its column names in words beside the codes (indicator
    codes stay codes)."""
    names = _labels()
    return exports.Sheet(name, header, rows, [names.get(key, key) for key in header])


def _both(make) -> tuple[str, str]:
    """``make()`` translated in English and in French."""
    with translation.override("en"):
        en = str(make())
    with translation.override("fr"):
        fr = str(make())
    return en, fr


def _round(value, digits=6):
    return None if value is None else round(float(value), digits)


# --- results ------------------------------------------------------------------------------

#: The shares at levels 1–2 and 4–5 and their Wilson intervals, in the results and the
#: breakdowns alike.
_SHARE_COLUMNS = (
    ("low_share", gettext_lazy("share at levels 1–2")), ("low_share_low", gettext_lazy("Wilson interval, low")),
    ("low_share_high", gettext_lazy("Wilson interval, high")),
    ("high_share", gettext_lazy("share at levels 4–5")), ("high_share_low", gettext_lazy("Wilson interval, low")),
    ("high_share_high", gettext_lazy("Wilson interval, high")),
)

RESULT_COLUMNS = [
    ("kind", gettext_lazy("indicator, family or synthetic")),
    ("code", gettext_lazy("indicator code, family code, or 'synthetic'")),
    ("version", gettext_lazy("version of the indicator in this wave")),
    ("family", gettext_lazy("family (grid) of the indicator")),
    ("weight", gettext_lazy("weight of the indicator in its family index, or of the family in the synthetic index")),
    ("title", gettext_lazy("title of the indicator, in the language of the export")),
    ("suppressed", gettext_lazy("1 when fewer valid answers than the threshold: figures left empty")),
    ("n", gettext_lazy("valid answers (levels 1–5)")),
    ("dont_know", gettext_lazy("answers 'don't know' (never a level)")),
    ("not_applicable", gettext_lazy("answers 'not applicable' (never a level)")),
    ("no_answer", gettext_lazy("questionnaires without an answer to this indicator")),
    *((f"share_{level}", format_lazy(gettext_lazy("share of the valid answers at level {level}"), level=level))
      for level in scoring.LEVELS),
    ("median", gettext_lazy("median level")), ("median_low", gettext_lazy("bootstrap interval of the median, low")),
    ("median_high", gettext_lazy("bootstrap interval of the median, high")),
    *_SHARE_COLUMNS,
    ("mean", gettext_lazy("mean level")), ("mean_low", gettext_lazy("bootstrap interval of the mean, low")),
    ("mean_high", gettext_lazy("bootstrap interval of the mean, high")),
    ("score", gettext_lazy("score 0–100 (see score_formula); for kind family/synthetic: the index")),
    ("score_low", gettext_lazy("bootstrap interval, low")), ("score_high", gettext_lazy("bootstrap interval, high")),
    ("n_eff", gettext_lazy("effective sample size (weighted results only)")),
    ("complete", gettext_lazy("family/synthetic: 1 when every indicator entered the index")),
]


def results_table(c, rows: list[dict], indices: list[dict]) -> tuple[list[str], list[list]]:
    """``c``: ``results.Computed``; ``rows``/``indices``: its formatted rows (for the
    titles and family weights); figures are written unformatted."""
    header = [key for key, _m in RESULT_COLUMNS]
    ci = c.intervals
    body = []
    for j, row in enumerate(rows):
        f = row["figures"]

        def b(array, j=j):
            if ci is None:
                return None
            value = array[j]
            return None if np.ma.getmaskarray(value).all() else round(float(value), 6)

        shares = list(f.shares) if f.shares else [None] * 5
        body.append([
            "indicator", row["code"], row["version"], row["family"], row["weight"], _cell(row["title"]),
            int(f.suppressed), f.n, f.dont_know, f.not_applicable, f.missing,
            *(_round(v) for v in shares), _round(f.median),
            b(ci.median_low) if ci else None, b(ci.median_high) if ci else None,
            _round(f.low_share), *(_round(v) for v in (f.low_interval or (None, None))),
            _round(f.high_share), *(_round(v) for v in (f.high_interval or (None, None))),
            _round(f.mean), b(ci.mean_low) if ci else None, b(ci.mean_high) if ci else None,
            _round(f.score), b(ci.score_low) if ci else None, b(ci.score_high) if ci else None,
            _round(f.n_eff) if c.scores.weighted else None, None,
        ])
    for r in indices:
        empty = [None] * (len(header) - 10)
        body.append([r["kind"], r["code"], None, r["code"] if r["kind"] == "family" else None,
                     r["weight_value"], _cell(r["name"]), None, None, None, None] + empty)
        body[-1][header.index("score")] = _round(r["value"])
        body[-1][header.index("score_low")] = _round(r["low"])
        body[-1][header.index("score_high")] = _round(r["high"])
        body[-1][header.index("complete")] = int(r["complete"])
    return header, body


# --- breakdowns ---------------------------------------------------------------------------

BREAKDOWN_COLUMNS = [
    ("profile_question", gettext_lazy("profile question of the breakdown")),
    ("profile_code", gettext_lazy("code of the answer (-1 not stated)")),
    ("profile_label", gettext_lazy("label of the answer")),
    ("indicator", gettext_lazy("indicator code")),
    ("suppressed", gettext_lazy("1 when the cell is hidden (fewer answers than the threshold here, or to protect such a cell): every figure empty")),
    ("n", gettext_lazy("valid answers (levels 1–5) of the cell")),
    *((f"share_{level}", format_lazy(gettext_lazy("share at level {level}"), level=level))
      for level in scoring.LEVELS),
    *_SHARE_COLUMNS,
    ("median", gettext_lazy("median level")), ("mean", gettext_lazy("mean level")), ("score", gettext_lazy("score 0–100")),
]


def breakdown_table(parts) -> tuple[list[str], list[list]]:
    """``parts``: one ``results.Computed`` per profile question (with its breakdown)."""
    header = [key for key, _m in BREAKDOWN_COLUMNS]
    body = []
    for c in parts:
        b = c.scores.breakdown
        if b is None:
            continue
        key = c.res.breakdown_key
        n_choices = len(profiles.choices(c.wave, key))
        for g, label in enumerate(b.groups):
            code = g if g < n_choices else rules.NOT_STATED
            for j, item in enumerate(c.res.items):
                f = b.distribution.figures((g, j))
                if f.empty:
                    continue  # nobody of this group: no row
                if f.suppressed:
                    body.append([key, code, _cell(str(label)), item.indicator.code, 1]
                                + [None] * (len(header) - 5))
                    continue
                shares = list(f.shares) if f.shares else [None] * 5
                body.append([
                    key, code, _cell(str(label)), item.indicator.code, 0, f.n,
                    *(_round(v) for v in shares),
                    _round(f.low_share), *(_round(v) for v in (f.low_interval or (None, None))),
                    _round(f.high_share), *(_round(v) for v in (f.high_interval or (None, None))),
                    _round(f.median), _round(f.mean), _round(f.score),
                ])
    return header, body


# --- raw responses ------------------------------------------------------------------------


def raw_columns(wave, items) -> list[str]:
    return [k for k in rules.PROFILE_KEYS if k in wave.profile_questions] + [
        item.indicator.code for item in items]


def raw_available(wave) -> bool:
    """Raw responses are released only once the wave is closed: while answers arrive, two
    downloads would differ by the newest questionnaires."""
    from cospiral.surveys import services

    return services.wave_status(wave) == "closed"


def sorted_rows(table: np.ndarray) -> np.ndarray:
    """Rows sorted by their content, first column first (an order that says nothing of
    the order of arrival)."""
    if len(table) == 0 or table.shape[1] == 0:
        return table
    return table[np.lexsort(table.T[::-1])]


def raw_rows(wave, items) -> np.ndarray:
    """The submitted questionnaires as an int matrix (profile codes of the questions
    asked, then one level code per indicator), rows sorted by their content."""
    J = len(items)
    matrix, prof, _ids = selectors.raw_matrix(wave, J)
    asked = [rules.PROFILE_KEYS.index(k) for k in rules.PROFILE_KEYS if k in wave.profile_questions]
    table = np.concatenate([prof[:, asked].astype(np.int16), matrix.astype(np.int16)], axis=1)
    return sorted_rows(table)


def raw_sheet(wave, items) -> Sheet:
    return Sheet("responses", raw_columns(wave, items), raw_rows(wave, items))


# --- codebook -----------------------------------------------------------------------------


def codebook(wave, items) -> tuple[list[str], list[list]]:
    """Every column of the exports, its meaning, its codes and their labels (en, fr)."""
    rows: list[list] = []
    for key in rules.PROFILE_KEYS:
        if key not in wave.profile_questions:
            continue
        # The meaning in the reader's language; the labels of its codes in both, beside.
        rows.append([key, _("profile question (raw responses): %(question)s")
                     % {"question": profiles.QUESTION_LABELS[key]}, None, None, None])
        if key in ("age_band", "gender"):
            with translation.override("en"):
                labels_en = profiles.choices(wave, key)
            with translation.override("fr"):
                labels_fr = profiles.choices(wave, key)
        else:
            labels_en = labels_fr = profiles.choices(wave, key)
        for code, (le, lf) in enumerate(zip(labels_en, labels_fr, strict=True)):
            rows.append([key, None, code, _cell(le), _cell(lf)])
        ne, nf = _both(lambda: profiles.NOT_STATED_LABEL)
        rows.append([key, None, rules.NOT_STATED, ne, nf])
    dk = _both(lambda: _("don't know (never counted as a level)"))
    na = _both(lambda: _("not applicable (never counted as a level)"))
    missing = _both(lambda: _("no answer"))
    for item in items:
        ind = item.indicator
        rows.append([ind.code, _("indicator (raw responses: level code; results: one row)")
                     + f": {ind.title('en')} / {ind.title('fr')} (v{ind.version}, "
                     + _("family") + f" {selectors.family_of(item)})", None, None, None])
        for level in scoring.LEVELS:
            rows.append([ind.code, None, level, _cell(ind.level_text(level, "en")),
                         _cell(ind.level_text(level, "fr"))])
        rows.append([ind.code, None, scoring.DONT_KNOW, *dk])
        rows.append([ind.code, None, scoring.NOT_APPLICABLE, *na])
        rows.append([ind.code, None, scoring.MISSING, *missing])
    for key, meaning in RESULT_COLUMNS:
        rows.append([f"results.{key}", str(meaning), None, None, None])
    for key, meaning in BREAKDOWN_COLUMNS:
        rows.append([f"breakdown.{key}", str(meaning), None, None, None])
    rows.append(["score_formula", _("score = (mean − 1) / 4 × 100"), None, None, None])
    rows.append(["suppression_threshold", str(wave.threshold), None, None, None])
    rows.append(["bootstrap_seed", str(wave.bootstrap_seed), None, None, None])
    rows.append(["bootstrap_replicates", str(scoring.DEFAULT_REPLICATES), None, None, None])
    rows.append(["raw_row_order", _("rows sorted by their content (first column first): the order "
                 "says nothing of the order of arrival; released once the wave is closed"),
                 None, None, None])
    return CODEBOOK_HEADER, rows


# --- files --------------------------------------------------------------------------------


def response(name: str, sheets: list[Sheet], format: str) -> HttpResponse:
    """The first sheet as CSV (standard or « Excel (français) »), or every sheet as one
    XLSX workbook (``cospiral.core.exports``); the raw responses' CSV is streamed."""
    return exports.response(name, sheets, format)
