from cospiral.core.routes import pages
from cospiral.territories import views

app_name = "territories"
urlpatterns = pages(views, {
    "home": "",
    "edit": "edit/",
    "phase": "phases/<int:cycle>/<int:number>/",
    "members": "members/",
    "member_role": "members/<int:pk>/role/",
    "member_remove": "members/<int:pk>/remove/",
    "coordination": "coordination/",
    "organisation_edit": "coordination/organisations/<int:pk>/",
    "seat_edit": "coordination/seats/<int:pk>/",
    "questions": "questions/",
    "question_edit": "questions/<int:pk>/",
    "audit": "audit/",
})
