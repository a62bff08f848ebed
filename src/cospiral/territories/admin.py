from django.contrib import admin

from cospiral.territories.models import (
    CoordinationMember,
    Cycle,
    Membership,
    Organisation,
    Phase,
    Territory,
)


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "kind", "parent", "grid_version", "created_at")
    list_filter = ("kind",)
    search_fields = ("name", "slug")
    raw_id_fields = ("parent",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "territory", "role", "created_at")
    list_filter = ("role", "territory")
    search_fields = ("user__username", "territory__name")
    raw_id_fields = ("user", "territory")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "territory")
    list_filter = ("kind", "territory")
    search_fields = ("name",)


@admin.register(CoordinationMember)
class CoordinationMemberAdmin(admin.ModelAdmin):
    list_display = ("person", "organisation", "role", "territory")
    list_filter = ("territory",)
    search_fields = ("person", "organisation__name", "role")
    raw_id_fields = ("organisation",)


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ("territory", "number")
    list_filter = ("territory",)


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    list_display = ("territory", "cycle", "number", "status", "starts_on", "ends_on")
    list_filter = ("status", "territory")
    raw_id_fields = ("cycle",)
