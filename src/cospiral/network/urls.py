from django.urls import path

from cospiral.network import views

app_name = "network"

urlpatterns = [
    path("", views.network_list, name="list"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/members/add/", views.add_member, name="add_member"),
    path("<slug:slug>/members/remove/", views.remove_member, name="remove_member"),
    path("<slug:slug>/charter/", views.publish_charter, name="publish_charter"),
    path("<slug:slug>/lead/", views.set_lead, name="set_lead"),
    path("<slug:slug>/sign/", views.sign, name="sign"),
    path("<slug:slug>/compare/", views.compare, name="compare"),
    path("<slug:slug>/mapping/", views.mapping, name="mapping"),
    path("<slug:slug>/synthesis/", views.synthesis, name="synthesis"),
    path("<slug:slug>/synthesis/<str:code>/", views.component, name="component"),
]
