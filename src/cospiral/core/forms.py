"""What forms of several apps share."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext


class UploadForm(forms.Form):
    """Base of a form that takes a file in its ``file`` field: a file over the upload
    limit (``COSPIRAL_MAX_UPLOAD_BYTES``) is refused before anything reads it."""

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.COSPIRAL_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                gettext("The file is %(size)s MB; the limit is %(limit)s MB. Split it into "
                        "smaller files.")
                % {"size": f"{upload.size / 1e6:.1f}", "limit": f"{limit / 1e6:.0f}"})
        return upload
