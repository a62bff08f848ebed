from django.contrib import admin

from cospiral.groups.models import Group, Session


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "profile", "territory", "cycle", "entry_open", "revealed_at")
    list_filter = ("kind", "territory")
    search_fields = ("name", "profile")
    filter_horizontal = ("facilitators", "source_groups")
    raw_id_fields = ("cycle",)
    readonly_fields = ("entry_token",)


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("group", "date", "place", "channel", "attendee_count", "territory")
    list_filter = ("channel", "territory")
    search_fields = ("group__name", "place")
    raw_id_fields = ("group",)
