"""``cospiral suggest-eval [--heldout [FILE]] [--pairs [FILE]] [--territory SLUG] [--folds 5]
[--seed 0] [--json]``: how well the coding suggestions rank, and how well the same idea is
found across groups.

- Always: cross-validation on the shipped examples (``cospiral/data/examples`` and the
  demo's coded cards), per language and overall, with the reliability table of the
  confidences shown (10 bins: mean confidence against how often the suggestion was right);
  then the same folds by models that learn the question each example answers, as the
  board's model does, scored with the question given (``with_question``) and with it
  unknown (``question_unknown``, a card typed with no question: how the model is measured
  on a set that has none).
- ``--heldout [FILE]``: a model trained on every shipped example and the grid's words
  ranks criteria it never saw. FILE is any CSV or TSV with columns ``text``, ``lang`` and
  ``family`` or ``code`` (optional ``question``: ``Q1``…); without FILE, the project's own
  held-out sets (``tests/data/heldout_fr.csv`` and ``heldout_en.csv``, written apart from the
  training examples and never trained on). Top-1 family and top-3 component per language
  and family, by a model trained without the question; with a ``question`` column, also
  with the question as a feature; and by the board's model (it learnt the question) for
  cards whose question is unknown.
- ``--pairs [FILE]``: precision, recall and F1 of the "same idea" pairing of the rainbow
  crossing on labelled card pairs (columns ``text_a``, ``code_a``, ``text_b``, ``code_b``,
  ``same`` 1/0, optional ``lang``); default ``tests/data/pairs.csv``.
- ``--territory SLUG``: cross-validation on that territory's confirmed codings, folds by
  text (a text never sits in both the training and the tested fold) and without the
  shipped examples that repeat one of its cards (the demo territory's cards are shipped
  examples: scoring them while training on them was a leak)."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cospiral.domain import similarity
from cospiral.domain import suggest as domain

TESTS_DATA = Path(domain.__file__).resolve().parents[4] / "tests" / "data"
DEFAULT_HELDOUT = (TESTS_DATA / "heldout_fr.csv", TESTS_DATA / "heldout_en.csv")
DEFAULT_PAIRS = TESTS_DATA / "pairs.csv"
QUESTIONS = {"Q1", "Q2", "Q3", "Q4"}


class Command(BaseCommand):
    help = "Accuracy of the coding suggestions (cross-validated, held-out) and of the same-idea pairing."

    def add_arguments(self, parser):
        parser.add_argument("--heldout", nargs="?", const="", default=None, metavar="FILE",
                            help="rank a held-out set never trained on (CSV/TSV: text, lang, family or code)")
        parser.add_argument("--pairs", nargs="?", const="", default=None, metavar="FILE",
                            help="precision and recall of the same-idea pairing on labelled pairs")
        parser.add_argument("--territory", help="also evaluate on this territory's confirmed codings (slug)")
        parser.add_argument("--folds", type=int, default=5, help="number of folds (default 5)")
        parser.add_argument("--seed", type=int, default=0, help="random seed of the folds and the model")
        parser.add_argument("--no-cv", action="store_true",
                            help="skip the cross-validation on the shipped examples")
        parser.add_argument("--json", action="store_true", help="print JSON only")

    def handle(self, *args, territory=None, folds=5, seed=0, json=False, heldout=None, pairs=None,
               no_cv=False, **options):
        if folds < 2:
            raise CommandError(_("--folds must be at least 2."))
        target = None
        if territory:
            from cospiral.territories.models import Territory

            target = Territory.objects.filter(slug=territory).first()
            if target is None:
                raise CommandError(_("No territory with the identifier “%(slug)s”.") % {"slug": territory})
        heldout_rows = None
        if heldout is not None:
            paths = [Path(heldout)] if heldout else list(DEFAULT_HELDOUT)
            heldout_rows = []
            for path in paths:
                heldout_rows += read_heldout(path)
        pair_rows = None
        if pairs is not None:
            pair_rows = read_pairs(Path(pairs) if pairs else DEFAULT_PAIRS)
        report = evaluate(target, folds=folds, seed=seed, heldout=heldout_rows, pairs=pair_rows,
                          cross_validation=not no_cv)
        if json:
            self.stdout.write(_json_dumps(report))
            return
        self.stdout.write(format_table(report))
        self.stdout.write("")
        self.stdout.write(_json_dumps(report))


def _json_dumps(report) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False)


# --- files --------------------------------------------------------------------------


def _read_table(path: Path) -> tuple[list[str], list[tuple[int, dict]]]:
    """(columns, [(line number, row)]) of a CSV or TSV file; a clear error otherwise."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": error.strerror}) from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CommandError(_("%(path)s is not UTF-8 text.") % {"path": path}) from error
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first else (";" if first.count(";") > first.count(",") else ",")
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = [c.strip().lower() for c in (reader.fieldnames or [])]
    reader.fieldnames = columns
    rows = []
    for row in reader:
        rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}))
    return columns, rows


def read_heldout(path: Path) -> list[dict]:
    """Rows ``{"text", "lang", "truth", "question"}`` of a held-out file; ``truth`` is a
    component code (``A03``) or a family letter."""
    columns, rows = _read_table(path)
    missing = [c for c in ("text", "lang") if c not in columns]
    if missing or not ({"code", "family"} & set(columns)):
        raise CommandError(_("%(path)s, line 1: the columns must include text, lang and family or code "
                             "(found: %(found)s).") % {"path": path, "found": ", ".join(columns) or "—"})
    result, errors = [], []
    for line, row in rows:
        truth = (row.get("code") or row.get("family") or "").upper()
        column = "code" if row.get("code") else "family"
        if not row.get("text"):
            errors.append(_("%(path)s, line %(line)s, column text: empty.") % {"path": path, "line": line})
            continue
        if not truth or not truth[0].isalpha() or (len(truth) > 1 and len(truth) < 3):
            errors.append(_("%(path)s, line %(line)s, column %(column)s: “%(value)s” is neither a family "
                            "letter nor a component code.")
                          % {"path": path, "line": line, "column": column, "value": truth})
            continue
        question = (row.get("question") or "").upper()
        if question and question not in QUESTIONS:
            errors.append(_("%(path)s, line %(line)s, column question: “%(value)s” is not Q1, Q2, Q3 or Q4.")
                          % {"path": path, "line": line, "value": question})
            continue
        result.append({"text": row["text"], "lang": (row.get("lang") or "?").lower(), "truth": truth,
                       "question": question})
    if errors:
        raise CommandError("\n".join(errors[:20]))
    if not result:
        raise CommandError(_("%(path)s holds no criterion.") % {"path": path})
    return result


def read_pairs(path: Path) -> list[dict]:
    columns, rows = _read_table(path)
    needed = ["text_a", "text_b", "same"]
    missing = [c for c in needed if c not in columns]
    if missing:
        raise CommandError(_("%(path)s, line 1: missing columns %(columns)s.")
                           % {"path": path, "columns": ", ".join(missing)})
    result, errors = [], []
    for line, row in rows:
        if row.get("same") not in {"0", "1"}:
            errors.append(_("%(path)s, line %(line)s, column same: “%(value)s” is not 0 or 1.")
                          % {"path": path, "line": line, "value": row.get("same", "")})
            continue
        if not row.get("text_a") or not row.get("text_b"):
            errors.append(_("%(path)s, line %(line)s: a text is empty.") % {"path": path, "line": line})
            continue
        result.append({"lang": (row.get("lang") or "?").lower(), "text_a": row["text_a"],
                       "code_a": row.get("code_a") or None, "text_b": row["text_b"],
                       "code_b": row.get("code_b") or None, "same": row["same"] == "1"})
    if errors:
        raise CommandError("\n".join(errors[:20]))
    return result


# --- evaluation ---------------------------------------------------------------------


def shipped_model(*, seed: int = 0, questions: bool = False) -> domain.Model:
    """The model of the shipped examples and the default grid's words (what a territory
    starts from)."""
    examples = domain.shipped_examples()
    grid_texts, grid_codes = domain.default_grid_phrases()
    return domain.train([e.text for e in examples] + grid_texts, [e.code for e in examples] + grid_codes,
                        seed=seed,
                        questions=([e.question for e in examples] + [""] * len(grid_texts)) if questions else None)


def evaluate_heldout(rows: list[dict], *, seed: int = 0) -> dict:
    texts = [r["text"] for r in rows]
    truths = [r["truth"] for r in rows]
    languages = [r["lang"] for r in rows]
    report = {"criteria": len(rows),
              "without_question": domain.evaluate_model(shipped_model(seed=seed), texts, truths,
                                                        languages=languages)}
    with_questions = shipped_model(seed=seed, questions=True)
    if any(r["question"] for r in rows):
        report["with_question"] = domain.evaluate_model(
            with_questions, texts, truths, languages=languages,
            questions=[r["question"] for r in rows])
    # The board's model (it learnt the question) for cards typed with no question known:
    # ranked over the three questions (``domain.probabilities``).
    report["question_unknown"] = domain.evaluate_model(with_questions, texts, truths, languages=languages)
    return report


def evaluate_pairs(rows: list[dict]) -> dict:
    def as_tuples(subset):
        return [(r["text_a"], r["code_a"], r["text_b"], r["code_b"], r["same"]) for r in subset]

    report = {"threshold": similarity.SAME_IDEA_THRESHOLD,
              "all": similarity.evaluate_pairs(as_tuples(rows)),
              "text_only": similarity.evaluate_pairs(as_tuples(rows), use_codes=False)}
    for language in sorted({r["lang"] for r in rows}):
        report[language] = similarity.evaluate_pairs(as_tuples([r for r in rows if r["lang"] == language]))
    return report


def evaluate(territory=None, *, folds: int = 5, seed: int = 0, heldout: list[dict] | None = None,
             pairs: list[dict] | None = None, cross_validation: bool = True) -> dict:
    started = time.perf_counter()
    examples = domain.shipped_examples()
    grid_texts, grid_codes = domain.default_grid_phrases()
    report: dict = {"folds": folds, "seed": seed}
    if cross_validation:
        report["shipped_examples"] = domain.cross_validate(
            [e.text for e in examples], [e.code for e in examples],
            groups=[e.language for e in examples], folds=folds, seed=seed,
            extra=(grid_texts, grid_codes), with_reliability=True)
        # As the board's model: the question learnt, then given or unknown at test time.
        known = domain.cross_validate(
            [e.text for e in examples], [e.code for e in examples],
            groups=[e.language for e in examples], folds=folds, seed=seed,
            extra=(grid_texts, grid_codes), questions=[e.question for e in examples],
            question_unknown=True, per_family=True, with_reliability=True)
        unknown = known.pop("question_unknown")
        report["shipped_examples_questions"] = {"with_question": known, "question_unknown": unknown}
    if heldout is not None:
        report["heldout"] = evaluate_heldout(heldout, seed=seed)
    if pairs is not None:
        report["pairs"] = evaluate_pairs(pairs)
    if territory is not None:
        from cospiral.coding import suggestions

        rows = list(suggestions.confirmed_codings(territory)
                    .order_by("pk").values_list("text", "component__code", "language"))
        grid_texts, grid_codes = suggestions.grid_training(territory)
        # Never train on a text that is tested: shipped examples that repeat one of the
        # territory's cards are left out, and folds split by text.
        tested = {domain.fold(r[0]).strip() for r in rows}
        kept = [e for e in examples if domain.fold(e.text).strip() not in tested]
        extra = ([e.text for e in kept] + grid_texts, [e.code for e in kept] + grid_codes)
        result = {}
        if len(rows) >= 2 and len(tested) >= 2:
            result = domain.cross_validate(
                [r[0] for r in rows], [r[1] for r in rows], groups=[r[2] or "?" for r in rows],
                folds=min(folds, len(tested)), seed=seed, extra=extra,
                split_by=[domain.fold(r[0]).strip() for r in rows], with_reliability=True)
        report["territory"] = {"slug": territory.slug, "confirmed_codings": len(rows),
                               "shipped_examples_left_out": len(examples) - len(kept),
                               "results": result}
    report["seconds"] = round(time.perf_counter() - started, 2)
    return report


# --- the table ----------------------------------------------------------------------


def _table(head, lines) -> list[str]:
    widths = [max(len(str(row[i])) for row in [head, *lines]) for i in range(len(head))]
    out = ["  ".join(str(c).ljust(w) for c, w in zip(head, widths, strict=True)).rstrip(),
           "  ".join("-" * w for w in widths)]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in lines]
    return out


def _reliability_lines(title: str, table: dict) -> list[str]:
    head = (_("confidence"), _("suggestions"), _("mean confidence"), _("right"))
    lines = [(f"{b['low']:.0%}–{b['high']:.0%}", str(b["n"]), f"{b['mean_confidence']:.1%}",
              f"{b['accuracy']:.1%}") for b in table["bins"]]
    out = ["", title] + _table(head, lines)
    if table.get("expected_calibration_error") is not None:
        out.append(_("Expected calibration error: %(ece)s.") % {"ece": f"{table['expected_calibration_error']:.1%}"})
    return out


def format_table(report: dict) -> str:
    head = (_("data"), _("language"), _("cards"), _("top-1 family"), _("top-3 component"))
    lines = []
    sections = []
    if "shipped_examples" in report:
        sections.append((_("shipped examples"), report["shipped_examples"]))
    if "shipped_examples_questions" in report:
        sections.append((_("shipped examples, the question given"),
                         report["shipped_examples_questions"]["with_question"]))
        sections.append((_("shipped examples, the question unknown"),
                         report["shipped_examples_questions"]["question_unknown"]))
    if "territory" in report:
        sections.append((report["territory"]["slug"], report["territory"]["results"]))
    for name, results in sections:
        if not results:
            lines.append((name, "—", "0", "—", "—"))
        for key, r in results.items():
            if key == "reliability":
                continue
            lines.append((name, _("all") if key == "all" else key, str(r["n"]),
                          f"{r['top1_family']:.1%}", f"{r['top3_component']:.1%}"))
    out = []
    if lines:
        out += _table(head, lines)
        out.append(_("%(folds)s-fold cross-validation, seed %(seed)s, %(seconds)s s.")
                   % {"folds": report["folds"], "seed": report["seed"], "seconds": report["seconds"]})
    if "shipped_examples" in report:
        out += _reliability_lines(_("Reliability of the confidences (shipped examples, cross-validated)"),
                                  report["shipped_examples"]["reliability"])
    if "heldout" in report:
        for key, title in (("without_question", _("Held-out criteria")),
                           ("with_question", _("Held-out criteria, the question as a feature")),
                           ("question_unknown", _("Held-out criteria, the question as a feature but unknown "
                                                  "for every card"))):
            part = report["heldout"].get(key)
            if not part:
                continue
            results = part["results"]
            head = (_("language"), _("family"), _("cards"), _("top-1 family"), _("top-3 component"))
            rows = []
            for name, r in results.items():
                if name.startswith("*:"):
                    language, family = "*", name[2:]
                elif ":" in name:
                    language, family = name.split(":", 1)
                else:
                    language, family = (_("all") if name == "all" else name), "—"
                rows.append((language, family, str(r["n"]), f"{r['top1_family']:.1%}",
                             f"{r['top3_component']:.1%}"))
            out += ["", title] + _table(head, rows)
            out += _reliability_lines(_("Reliability of the confidences (held-out)"), part["reliability"])
    if "pairs" in report:
        head = (_("pairs"), _("language"), _("precision"), _("recall"), _("F1"))
        rows = []
        for name, r in report["pairs"].items():
            if name == "threshold":
                continue
            label = {"all": _("all"), "text_only": _("text only, codes ignored")}.get(name, name)
            rows.append((str(r["pairs"]), label, f"{r['precision']:.1%}", f"{r['recall']:.1%}", f"{r['f1']:.3f}"))
        out += ["", _("Same idea across groups (threshold %(t)s)") % {"t": report["pairs"]["threshold"]}]
        out += _table(head, rows)
    return "\n".join(out)
