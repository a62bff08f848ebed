from django.urls import path

from cospiral.contracts import views
from cospiral.core.routes import object_pages

app_name = "contracts"
urlpatterns = [
    *object_pages(views, "index", "create", "detail", "edit"),
    path("<int:pk>/status/", views.change_status, name="status"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
    path("<int:pk>/attendance/", views.summary, name="summary"),
    path("<int:pk>/amend/", views.amend, name="amend"),
    path("<int:pk>/sign-all/", views.sign_all, name="sign_all"),
    path("<int:pk>/parties/new/", views.party_form, name="party_add"),
    path("<int:pk>/parties/new-beneficiaries/", views.beneficiaries, name="beneficiaries_add"),
    path("<int:pk>/commitments/for-every-beneficiary/", views.commitment_template,
         name="commitment_template"),
    path("<int:pk>/parties/<int:party>/", views.party_form, name="party_edit"),
    path("<int:pk>/parties/<int:party>/remove/", views.party_remove, name="party_remove"),
    path("<int:pk>/parties/<int:party>/project/", views.project, name="project"),
    path("<int:pk>/parties/<int:party>/exit/", views.exit_evaluation, name="exit"),
    path("<int:pk>/commitments/new/", views.commitment_form, name="commitment_add"),
    path("<int:pk>/commitments/<int:commitment>/", views.commitment_form, name="commitment_edit"),
    path("<int:pk>/commitments/<int:commitment>/outcome/", views.outcome, name="outcome"),
    path("<int:pk>/workshops/new/", views.workshop_form, name="workshop_add"),
    path("<int:pk>/workshops/<int:workshop>/", views.workshop_form, name="workshop_edit"),
    path("<int:pk>/workshops/<int:workshop>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/reviews/new/", views.review, name="review"),
]
