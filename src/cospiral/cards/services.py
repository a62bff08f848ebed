"""Writes about cards (post-its). One code path for the pages, the online entry, imports
and the command line: each function owns its transaction, checks who may write, and
writes the audit trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cospiral.cards import selectors
from cospiral.cards.models import Card, Question
from cospiral.coding import counts
from cospiral.core import audit, writes
from cospiral.core.access import role_in
from cospiral.core.models import AuditEntry
from cospiral.core.rules import IMPORT_CARDS, WRITE_CARDS
from cospiral.core.tabular import TableError, TableRejected, read_table
from cospiral.domain import cards as rules
from cospiral.domain.codes import CodeError, validate_full_code
from cospiral.grid import services as grid_services
from cospiral.grid.models import GridEntry
from cospiral.groups.models import Group, Session
from cospiral.territories.models import Role


class EditConflict(Exception):
    """The card changed after the editor opened it; nothing was overwritten."""

    def __init__(self, card: Card):
        self.card = card
        super().__init__(
            _(
                "Someone else changed this card at %(time)s, after you opened it. Nothing was "
                "overwritten: read the current text below and make your change again."
            ) % {"time": timezone.localtime(card.updated_at).strftime("%Y-%m-%d %H:%M:%S")}
        )


def _snapshot(card: Card) -> dict:
    return {
        "text": card.text,
        "group": card.group.name if card.group_id else "",
        "session": card.session.date.isoformat() if card.session_id else "",
        "question": card.question.code if card.question_id else "",
        "language": card.language,
        "channel": card.channel,
        "author_tag": card.author_tag,
        "ref": card.ref,
        "full_code": card.full_code,
    }


def _clean_texts(texts: list[str]) -> list[str]:
    if not texts:
        raise ValidationError({"text": _("Write the text of at least one card.")})
    cleaned, errors = [], []
    for number, text in enumerate(texts, start=1):
        text = (text or "").strip()
        where = _("Card %(number)s") % {"number": number} if len(texts) > 1 else _("The card")
        if not text:
            errors.append(_("%(where)s is empty: write its text.") % {"where": where})
        elif len(text) > rules.MAX_CARD_CHARS:
            errors.append(
                _("%(where)s has %(length)s characters; a card holds at most %(limit)s. "
                  "Split it into several ideas.")
                % {"where": where, "length": len(text), "limit": f"{rules.MAX_CARD_CHARS:,}"}
            )
        cleaned.append(text)
    if errors:
        raise ValidationError({"text": errors})
    return cleaned


def _check_entry(territory, *, group, session, question, language, channel) -> None:
    errors: dict[str, list[str]] = {}
    if group.territory_id != territory.pk:
        errors["group"] = [_("This group is not in this territory.")]
    if question.territory_id != territory.pk:
        errors["question"] = [_("This question is not in this territory.")]
    elif not selectors.is_enabled(territory, question, group):
        errors["question"] = [
            _("Question %(code)s is not asked in this group's cycle: enable it on the "
              "territory's questions page or choose another question.") % {"code": question.code}
        ]
    if session is not None:
        if session.territory_id != territory.pk:
            errors["session"] = [_("This session is not in this territory.")]
        elif session.group_id != group.pk:
            errors["session"] = [
                _("The session of %(date)s belongs to another group, not to “%(group)s”.")
                % {"date": date_format(session.date), "group": group.name}
            ]
    if language not in selectors.allowed_languages(territory):
        errors["language"] = [
            _("“%(language)s” is not a language of this territory (%(languages)s).")
            % {"language": language, "languages": ", ".join(selectors.allowed_languages(territory))}
        ]
    if channel not in rules.CHANNELS:
        errors["channel"] = [
            _("“%(channel)s” is not a channel: use paper or online.") % {"channel": channel}
        ]
    if errors:
        raise ValidationError(errors)


def _insert(territory, *, group, session, question, texts, user, channel, language,
            author_tag) -> list[Card]:
    cards = [
        Card(territory=territory, group=group, session=session, question=question, text=text,
             channel=channel, language=language, author_tag=author_tag,
             created_by=user if getattr(user, "is_authenticated", False) else None)
        for text in texts
    ]
    if len(cards) == 1:
        cards[0].save()
    else:
        Card.objects.bulk_create(cards)
    counts.apply(territory, [(None, counts.cell(card)) for card in cards])
    for card in cards:
        audit.record(territory, user, AuditEntry.Action.CREATE, card, card.text[:80],
                     audit.diff({}, _snapshot(card)))
    return cards


@transaction.atomic
def create_cards(territory, *, group, session, question, texts: list[str], user,
                 channel: str = Card.Channel.PAPER, language: str | None = None,
                 author_tag: str = "") -> list[Card]:
    """Create one card per text for one group, session and question (bulk entry)."""
    WRITE_CARDS.check(user, group, territory)
    language = language or selectors.default_language(territory)
    _check_entry(territory, group=group, session=session, question=question,
                 language=language, channel=channel)
    texts = _clean_texts(texts)
    author_tag = (author_tag or "").strip()[:40]
    return _insert(territory, group=group, session=session, question=question, texts=texts,
                   user=user, channel=channel, language=language, author_tag=author_tag)


@transaction.atomic
def submit_online_cards(group, *, answers: list[tuple[Question, list[str]]], language: str,
                        author_tag: str) -> list[Card]:
    """Anonymous online entry through the group's private link: no account, channel
    online, no session, the person's random author tag."""
    group = Group.objects.select_for_update().select_related("territory").get(pk=group.pk)
    territory = group.territory
    if not group.entry_token or not group.entry_open:
        raise PermissionDenied(_("Online entry for this group is closed."))
    if language not in selectors.allowed_languages(territory):
        language = selectors.default_language(territory)
    created: list[Card] = []
    answers = [(q, [t.strip() for t in texts if t and t.strip()]) for q, texts in answers]
    if not any(texts for _q, texts in answers):
        raise ValidationError({"text": _("Write at least one idea before sending.")})
    for question, texts in answers:
        if not texts:
            continue
        _check_entry(territory, group=group, session=None, question=question,
                     language=language, channel=Card.Channel.ONLINE)
        texts = _clean_texts(texts)
        created += _insert(territory, group=group, session=None, question=question,
                           texts=texts, user=None, channel=Card.Channel.ONLINE,
                           language=language, author_tag=author_tag)
    return created


def _locked_card(card: Card) -> Card:
    return (Card.objects.of(card.territory).select_for_update(of=("self",))
            .select_related("group", "session", "question").get(pk=card.pk))


@transaction.atomic
def update_card(card: Card, *, user, seen_updated_at: dt.datetime, text: str | None = None,
                question: Question | None = None, language: str | None = None,
                author_tag: str | None = None) -> Card:
    """Change a card. ``seen_updated_at`` is the card's ``updated_at`` when the editor
    opened it: if the card changed since, ``EditConflict`` is raised, nothing written."""
    territory = card.territory
    current = _locked_card(card)
    w = writes.Write(territory, user=user, rule=WRITE_CARDS, obj=current.group)
    if current.deleted_at is not None:
        raise ValidationError(_("This card is deleted: restore it before changing it."))
    if seen_updated_at is None or current.updated_at != seen_updated_at:
        raise EditConflict(current)
    before = _snapshot(current)
    before_cell = counts.cell(current)
    if text is not None:
        current.text = _clean_texts([text])[0]
    if question is not None:
        current.question = question
    if language is not None:
        current.language = language
    if author_tag is not None:
        current.author_tag = author_tag.strip()[:40]
    _check_entry(territory, group=current.group, session=current.session,
                 question=current.question, language=current.language, channel=current.channel)
    w.save(current, _snapshot, before, current.text[:80])
    if w.changes:
        counts.apply(territory, [(before_cell, counts.cell(current))])
    return current


@transaction.atomic
def delete_card(card: Card, *, user) -> Card:
    """Soft delete: the card is hidden, never erased; ``restore_card`` brings it back."""
    current = _locked_card(card)
    w = writes.Write(card.territory, user=user, rule=WRITE_CARDS, obj=current.group)
    if current.deleted_at is not None:
        return current
    before_cell = counts.cell(current)
    w.soft_delete(current, current.text[:80], with_user=True)
    counts.apply(card.territory, [(before_cell, counts.cell(current))])
    return current


@transaction.atomic
def restore_card(card: Card, *, user) -> Card:
    current = _locked_card(card)
    w = writes.Write(card.territory, user=user, rule=WRITE_CARDS, obj=current.group)
    if current.deleted_at is None:
        return current
    before_cell = counts.cell(current)
    w.restore(current, current.text[:80], with_user=True)
    counts.apply(card.territory, [(before_cell, counts.cell(current))])
    return current


def undo_last_card(territory, *, user, group, session, question) -> Card | None:
    """Soft-delete the user's most recent alive card of this bulk-entry batch."""
    WRITE_CARDS.check(user, group, territory)
    card = (selectors.batch_cards(territory, group=group, session=session, question=question)
            .filter(created_by=user).select_related("territory").first())
    if card is None:
        return None
    return delete_card(card, user=user)


# ---------------------------------------------------------------------------------------
# Import of cards from CSV and XLSX

IMPORT_REQUIRED = ["group", "question", "text"]
IMPORT_OPTIONAL = ["session", "language", "channel", "author", "ref", "code"]
IMPORT_BATCH = 5000
#: French names accepted for the columns (matched ignoring case and accents).
IMPORT_ALIASES = {
    "group": ("groupe",), "text": ("texte",), "session": ("séance", "date"),
    "language": ("langue",), "channel": ("canal",), "author": ("auteur",),
    "ref": ("réf", "référence"),
}


@dataclass
class ImportResult:
    created: int
    skipped_existing: int
    read_as: str = ""   # how the file was read (encoding and separator, or sheet)


def _known_codes(territory) -> dict[str, GridEntry]:
    entries = GridEntry.objects.filter(
        version=territory.grid_version_id,
        kind__in=[GridEntry.Kind.COMPONENT, GridEntry.Kind.SUB_OBJECT],
    ).filter(territory__isnull=True) | GridEntry.objects.filter(
        version=territory.grid_version_id, territory=territory,
        kind__in=[GridEntry.Kind.COMPONENT, GridEntry.Kind.SUB_OBJECT],
    )
    return {e.code: e for e in entries}


INSERT_COLUMNS = ("territory", "group", "session", "question", "text", "language", "channel",
                  "author_tag", "ref", "import_key", "component", "full_code", "created_at",
                  "updated_at", "created_by")


def insert_card_rows(rows: list[tuple]) -> None:
    """Insert prepared card rows (values in ``INSERT_COLUMNS`` order) fast: COPY on
    PostgreSQL, ``executemany`` elsewhere (the ORM's bulk_create is limited to 999
    parameters per statement on SQLite, i.e. 60 cards per query)."""
    if not rows:
        return
    meta = Card._meta
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    names = ", ".join(qn(meta.get_field(c).column) for c in INSERT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Binary COPY: no text parsing on the server; column types from the catalogue.
            cursor.execute(
                "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass "
                "AND attnum > 0 AND NOT attisdropped", [meta.db_table],
            )
            oids = dict(cursor.fetchall())
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([oids[meta.get_field(c).column] for c in INSERT_COLUMNS])
                for row in rows:
                    copy.write_row(row)
            return
        if connection.vendor == "sqlite":
            # A larger page cache for this connection: index updates stay in memory.
            cursor.execute("PRAGMA cache_size = -131072")
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(INSERT_COLUMNS))})"
        for start in range(0, len(rows), IMPORT_BATCH):
            cursor.executemany(sql, rows[start:start + IMPORT_BATCH])


class _CardFile:
    """The checks of an imported card file, line by line, against the territory's groups,
    sessions, questions, languages and grid codes (looked up once, cached per value)."""

    def __init__(self, territory, user, role, filename: str):
        self.filename = filename
        self.errors: list[TableError] = []
        self.groups = {g.name.strip().casefold(): g for g in Group.objects.of(territory)}
        if role == Role.COORDINATOR:
            self.writable = {g.pk for g in self.groups.values()}
        else:
            self.writable = set(selectors.writable_groups(territory, user)
                                .values_list("pk", flat=True))
        self.sessions: dict[tuple[int, str], int] = {}
        for session_id, group_id, date in (Session.objects.of(territory).order_by("date", "id")
                                           .values_list("pk", "group_id", "date")):
            self.sessions.setdefault((group_id, date.isoformat()), session_id)
        self.questions = {q.code.casefold(): q for q in Question.objects.of(territory)}
        self.cycles = selectors.enabled_cycle_ids(territory)
        self.codes = _known_codes(territory)
        self.code_set = frozenset(self.codes)
        self.languages = selectors.allowed_languages(territory)
        self.default_language = selectors.default_language(territory)
        self.group_cache: dict[str, tuple | None] = {}
        self.question_cache: dict[str, tuple | None] = {}
        self.enabled_cache: dict[tuple, bool] = {}
        self.code_cache: dict[str, tuple] = {}

    def err(self, line, column, message) -> None:
        self.errors.append(TableError(file=self.filename, line=line, column=column,
                                      message=message))

    def group(self, line, raw: str):
        """``(id, cycle id, name)`` of a group the user may write, else None."""
        if raw not in self.group_cache:
            found = self.groups.get(raw.casefold())
            self.group_cache[raw] = (found.pk, found.cycle_id, found.name) if found else None
        group = self.group_cache[raw]
        if not raw:
            self.err(line, "group", _("the group is empty: write the name of one of the "
                                      "territory's groups."))
        elif group is None:
            self.err(line, "group", _("unknown group “%(name)s”: no group of this territory "
                                      "has that name.") % {"name": raw})
        elif group[0] not in self.writable:
            self.err(line, "group", _("you are not a facilitator of the group “%(name)s”.")
                     % {"name": group[2]})
            return None
        return group if raw else None

    def question(self, line, raw: str, group):
        """``(id, code, enabled cycles)`` of a question asked in the group's cycle."""
        if raw not in self.question_cache:
            found = self.questions.get(raw.casefold())
            self.question_cache[raw] = ((found.pk, found.code, self.cycles.get(found.pk, set()))
                                        if found else None)
        question = self.question_cache[raw]
        if question is None:
            self.err(line, "question", _("unknown question “%(code)s”: use one of %(codes)s.")
                     % {"code": raw, "codes": ", ".join(q.code for q in self.questions.values())})
            return None
        if group is None:
            return question
        key = (question[0], group[1])
        if key not in self.enabled_cache:
            self.enabled_cache[key] = rules.question_enabled(question[2], group[1])
        if not self.enabled_cache[key]:
            self.err(line, "question", _("question %(code)s is not asked in the cycle of the "
                                         "group “%(group)s”.")
                     % {"code": question[1], "group": group[2]})
            return None
        return question

    def text(self, line, text: str) -> bool:
        if not text:
            self.err(line, "text", _("the text is empty."))
        elif len(text) > rules.MAX_CARD_CHARS:
            self.err(line, "text", _("the text has %(length)s characters; a card holds at most "
                                     "%(limit)s.")
                     % {"length": len(text), "limit": f"{rules.MAX_CARD_CHARS:,}"})
        else:
            return True
        return False

    def session(self, line, raw: str, group):
        """``(ok, session id or None)``."""
        if not raw or group is None:
            return True, None
        date = raw[:10] if len(raw) > 10 and raw[10] in "T " else raw
        session_id = self.sessions.get((group[0], date))
        if session_id is None:
            self.err(line, "session", _("the group “%(group)s” has no session on “%(date)s” "
                                        "(write the date as YYYY-MM-DD).")
                     % {"group": group[2], "date": raw})
            return False, None
        return True, session_id

    def language(self, line, raw: str):
        language = raw or self.default_language
        if language in self.languages:
            return language
        self.err(line, "language", _("“%(language)s” is not a language of this territory "
                                     "(%(languages)s).")
                 % {"language": language, "languages": ", ".join(self.languages)})
        return None

    def channel(self, line, raw: str):
        channel = raw or "paper"
        if channel in rules.CHANNELS or channel.lower() in rules.CHANNELS:
            return channel if channel in rules.CHANNELS else channel.lower()
        self.err(line, "channel", _("“%(channel)s” is not a channel: use paper or online.")
                 % {"channel": raw})
        return None

    def lengths(self, line, author: str, ref: str) -> bool:
        ok = True
        if len(author) > 40:
            self.err(line, "author", _("the author tag has %(length)s characters; at most 40 "
                                       "are allowed.") % {"length": len(author)})
            ok = False
        if len(ref) > 64:
            self.err(line, "ref", _("the ref has %(length)s characters; at most 64 are allowed.")
                     % {"length": len(ref)})
            ok = False
        return ok

    def code(self, line, raw: str):
        """``(ok, component id, full code)``."""
        if not raw:
            return True, None, ""
        if raw not in self.code_cache:
            try:
                parsed = validate_full_code(raw, self.code_set)
                self.code_cache[raw] = (self.codes[parsed.component].pk, str(parsed), None)
            except CodeError as exc:
                self.code_cache[raw] = (None, "", _(exc.message) % exc.params)
        component_id, full_code, problem = self.code_cache[raw]
        if problem:
            self.err(line, "code", problem)
            return False, None, ""
        return True, component_id, full_code

    def check(self, row):
        """The line's values, or None when it has an error (recorded)."""
        v, line = row.values, row.line
        group = self.group(line, v["group"])
        question = self.question(line, v["question"], group)
        text_ok = self.text(line, v["text"])
        session_ok, session_id = self.session(line, v.get("session", ""), group)
        language = self.language(line, v.get("language", ""))
        channel = self.channel(line, v.get("channel", ""))
        author, ref = v.get("author", ""), v.get("ref", "")
        lengths_ok = self.lengths(line, author, ref)
        code_ok, component_id, full_code = self.code(line, v.get("code", ""))
        if not (group and question and text_ok and session_ok and language and channel
                and lengths_ok and code_ok):
            return None
        return (group[0], session_id, question[0], v["text"], language, channel, author, ref,
                component_id, full_code)


def import_cards(territory, data: bytes, filename: str, *, user, progress=None) -> ImportResult:
    """Import cards from a CSV or XLSX file: all rows or none. Raises ``TableRejected``
    with every error (file, line, column, reason). Rows whose import key already exists
    in the territory are skipped, so re-importing a file creates no duplicates.
    ``progress(done, total)``, when given, is called as the lines are checked."""
    IMPORT_CARDS.check(user, territory)
    role = role_in(user, territory)
    rows = read_table(data, filename, required=IMPORT_REQUIRED, optional=IMPORT_OPTIONAL,
                      aliases=IMPORT_ALIASES)
    checker = _CardFile(territory, user, role, filename)
    existing = set(Card.objects.of(territory).filter(import_key__isnull=False)
                   .values_list("import_key", flat=True))
    seen: dict[str, int] = {}
    prepared: list[tuple] = []
    skipped = 0
    for number, row in enumerate(rows, start=1):
        if progress is not None and number % 5000 == 0:
            progress(number, len(rows))
        values = checker.check(row)
        if values is None:
            continue
        group_id, session_id, question_id, text, _lang, _chan, author, ref, _c, _f = values
        key = rules.import_key(group_id=group_id, ref=ref, session_id=session_id,
                               question_id=question_id, text=text, author=author)
        first = seen.get(key)
        if first is not None:
            checker.err(row.line, None, _("line %(line)s repeats line %(first)s; give each card "
                                          "its own ref to keep both.")
                        % {"line": row.line, "first": first})
            continue
        seen[key] = row.line
        if key in existing:
            skipped += 1
            continue
        prepared.append((*values, key))
    if checker.errors:
        raise TableRejected(checker.errors)
    created = store_imported_cards(territory, prepared, user=user, filename=filename,
                                   lines=len(rows), skipped=skipped)
    return ImportResult(created=created, skipped_existing=skipped, read_as=rows.described())


@transaction.atomic
def store_imported_cards(territory, cards: list[tuple], *, user, filename: str, lines: int,
                         skipped: int) -> int:
    """Write checked cards at once (``(group id, session id, question id, text, language,
    channel, author, ref, component id, full code, import key)`` each), with their counts,
    the grid's freezing when coded, and one audit entry for the import."""
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    prepared = [(territory.pk, g, s, q, text, lang, chan, author, ref, key, comp, full,
                 stamp, stamp, user_id)
                for g, s, q, text, lang, chan, author, ref, comp, full, key in cards]
    insert_card_rows(prepared)
    # Exact counts: one move per new card into its cell (group, question, component or
    # None when uncoded), summed per cell by counts.apply.
    counts.apply(territory, [(None, (r[1], r[3], r[10])) for r in prepared])
    if any(r[10] for r in prepared):
        # Cards are now coded against this grid version: it becomes read-only.
        grid_services.freeze(territory.grid_version, user=user if user_id else None)
    AuditEntry.objects.create(
        territory=territory, user=user if user_id else None,
        actor_label=audit.actor_label(user), action=AuditEntry.Action.IMPORT,
        model=Card._meta.model_name, object_id=filename[:64],
        summary=(_("Imported %(created)s cards from %(file)s (%(skipped)s already there)")
                 % {"created": len(prepared), "file": filename, "skipped": skipped})[:300],
        changes={"file": filename, "rows": lines, "created": len(prepared),
                 "skipped_existing": skipped},
    )
    return len(prepared)
