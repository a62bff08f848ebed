from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cospiral.grid.models import GridEntry, GridVersion


class GridEntryInline(admin.TabularInline):
    model = GridEntry
    fields = ("code", "kind", "labels", "source", "territory", "position")
    extra = 0
    show_change_link = True
    ordering = ("position", "code")

    def has_add_permission(self, request, obj=None):
        return obj is not None and not obj.is_frozen and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return (obj is None or not obj.is_frozen) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (obj is None or not obj.is_frozen) and super().has_delete_permission(request, obj)


@admin.register(GridVersion)
class GridVersionAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "based_on", "created_at", "frozen_at")
    search_fields = ("slug", "name")
    inlines = [GridEntryInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return ("slug", "name", "based_on", "notes", "frozen_at")
        return ("frozen_at",)

    def has_delete_permission(self, request, obj=None):
        return (obj is None or not obj.is_frozen) and super().has_delete_permission(request, obj)


class GridEntryAdminForm(forms.ModelForm):
    class Meta:
        model = GridEntry
        fields = ("version", "code", "kind", "parent", "labels", "descriptions", "source",
                  "territory", "position")

    def clean(self):
        data = super().clean()
        version = data.get("version") or getattr(self.instance, "version", None)
        territory = data.get("territory") if "territory" in data else self.instance.territory
        if version is not None and version.is_frozen and territory is None:
            raise forms.ValidationError(
                _("The grid version “%(slug)s” is frozen: derive a new version to change it."),
                params={"slug": version.slug},
            )
        return data


@admin.register(GridEntry)
class GridEntryAdmin(admin.ModelAdmin):
    form = GridEntryAdminForm
    list_display = ("code", "kind", "version", "source", "territory")
    list_filter = ("version", "kind", "source")
    search_fields = ("code",)
    raw_id_fields = ("parent", "territory")

    def _locked(self, obj) -> bool:
        return obj is not None and obj.version.is_frozen and obj.territory_id is None

    def get_readonly_fields(self, request, obj=None):
        if self._locked(obj):
            return [f.name for f in GridEntry._meta.fields if f.name != "id"]
        if obj is not None:
            # Codes are stable identifiers: never changed once created.
            return ("version", "code", "kind", "territory")
        return ()

    def has_delete_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_delete_permission(request, obj)
