"""Forms of the group pages. Querysets are limited to the territory of the page."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cospiral.domain.territory_rules import format_tags, parse_tags
from cospiral.groups import selectors
from cospiral.groups.models import Group, Session
from cospiral.territories.labels import cycle_label
from cospiral.territories.models import Cycle


class CycleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return cycle_label(obj.number)


class UserChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_username()


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Group.Kind.choices,
                             initial=Group.Kind.HOMOGENEOUS)
    profile = forms.CharField(label=_("Profile"), max_length=200, required=False,
                              help_text=_("Who the group gathers, e.g. “young people 15–25”."))
    tags = forms.CharField(label=_("Tags"), max_length=500, required=False,
                           help_text=_("Optional, separated by commas, e.g. youth, north side."))
    cycle = CycleChoiceField(label=_("Cycle"), queryset=Cycle.objects.none(), required=False,
                             empty_label=_("No cycle"),
                             error_messages={"invalid_choice": _("Choose a cycle of this territory.")})
    facilitators = UserChoiceField(
        label=_("Facilitators"), queryset=get_user_model().objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Members of this territory with the role facilitator or coordinator."),
        error_messages={"invalid_choice": _(
            "%(value)s is not a facilitator or coordinator of this territory.")},
    )
    source_groups = forms.ModelMultipleChoiceField(
        label=_("Delegates come from"), queryset=Group.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Mixed (rainbow) groups only: the homogeneous groups of this territory "
                    "that send a delegate."),
        error_messages={"invalid_choice": _(
            "%(value)s is not a homogeneous group of this territory.")},
    )

    def __init__(self, *args, territory, group=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = Cycle.objects.of(territory).order_by("number")
        self.fields["facilitators"].queryset = selectors.facilitator_candidates(territory)
        self.fields["source_groups"].queryset = selectors.source_group_candidates(territory, group)
        if group is not None and not self.is_bound:
            self.initial.update({
                "name": group.name, "kind": group.kind, "profile": group.profile,
                "tags": format_tags(group.tags), "cycle": group.cycle_id,
                "facilitators": [u.pk for u in group.facilitators.all()],
                "source_groups": [g.pk for g in group.source_groups.all()],
            })

    def clean_tags(self):
        return parse_tags(self.cleaned_data.get("tags", ""))

    def clean(self):
        data = super().clean()
        if data.get("source_groups") and data.get("kind") != Group.Kind.MIXED:
            self.add_error("source_groups", _(
                "Only a mixed (rainbow) group lists the groups its delegates come from: "
                "choose the kind “mixed” or untick these groups."))
        return data


class SessionForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"},
                                                                   format="%Y-%m-%d"),
                           help_text=_("Format YYYY-MM-DD."))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=Session.Channel.choices,
                                initial=Session.Channel.IN_PERSON)
    attendee_count = forms.IntegerField(
        label=_("Number of attendees"), required=False, min_value=0,
        help_text=_("A count only: cospiral never records who attended."),
        error_messages={"min_value": _("The number of attendees cannot be negative.")},
    )
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 4}))
