"""The messages of ``cospiral.domain.codes.CodeError``, for the catalogue.

The domain writes them in English with ``%(code)s`` placeholders and no Django import;
the services that show them translate ``exc.message`` (``gettext(exc.message) %
exc.params``). Listed here so that ``makemessages`` finds them: a test checks that every
message the domain raises is in the French catalogue (tests/unit/test_code_messages.py).
"""

from django.utils.translation import gettext_noop

MESSAGES = (
    gettext_noop("“%(code)s” is not a grid code (expected A, A01, AL01 or A01-11)."),
    gettext_noop("“%(code)s” is a family, not a component."),
    gettext_noop("“%(code)s” is not a family letter."),
    gettext_noop("The code is empty."),
    gettext_noop("“%(code)s” has too many parts: a full code is object/sense/beneficiary."),
    gettext_noop("“%(code)s” does not start with a component code such as A01, AL01 or A01-11."),
    gettext_noop("“%(part)s” in “%(code)s” is not a sense code (a capital letter and one or two "
                 "digits, such as P15)."),
    gettext_noop("“%(part)s” in “%(code)s” is not a beneficiary code (one or two lower-case "
                 "letters, such as k)."),
    gettext_noop("Component “%(code)s” is not in this grid version."),
    gettext_noop("Sub-object “%(code)s” is not in this grid version."),
    gettext_noop("Family “%(code)s” has no free local code left (the last is %(code)sL99)."),
)
