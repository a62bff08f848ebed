from django.urls import path

from cospiral.actions import views
from cospiral.core.routes import object_pages

app_name = "actions"
urlpatterns = [
    path("", views.plan_page, name="plan"),
    path("grid/", views.grid, name="grid"),
    path("axes/", views.axes, name="axes"),
    path("axes/<int:pk>/", views.axis_edit, name="axis_edit"),
    *object_pages(views, "create", "detail", "edit", "delete"),
    path("new/from-cards/", views.create_from_cards, name="create_from_cards"),
    path("new/from-pilot-idea/", views.create_from_pilot_idea, name="create_from_pilot_idea"),
    path("new/from-indicator/", views.create_from_indicator, name="create_from_indicator"),
    path("export/<str:kind>.<str:format>", views.export, name="export"),
    path("import/", views.import_view, name="import"),
    path("commitments/", views.commitments, name="commitments"),
    path("commitments/mine/", views.my_commitments, name="my_commitments"),
    path("commitments/<int:pk>/edit/", views.commitment_edit, name="commitment_edit"),
    path("commitments/<int:pk>/outcome/", views.commitment_outcome, name="commitment_outcome"),
    path("commitments/<int:pk>/delete/", views.commitment_delete, name="commitment_delete"),
    path("commitments/<int:pk>/restore/", views.commitment_restore, name="commitment_restore"),
    path("milestones/<int:pk>/", views.milestone_edit, name="milestone_edit"),
    path("targets/<int:pk>/", views.target_edit, name="target_edit"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/restore/", views.restore, name="restore"),
    path("<int:pk>/milestones/", views.milestone_add, name="milestone_add"),
    path("<int:pk>/targets/", views.target_add, name="target_add"),
    path("<int:pk>/commitments/", views.commitment_add, name="commitment_add"),
]
