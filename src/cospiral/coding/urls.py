from django.urls import path

from cospiral.coding import views

app_name = "coding"
urlpatterns = [
    path("groups/<int:pk>/", views.board, name="board"),
    path("groups/<int:pk>/validate/", views.validate, name="validate"),
    path("groups/<int:pk>/merge/", views.merge_by_hand, name="merge_by_hand"),
    path("groups/<int:pk>/blind/", views.blind, name="blind"),
    path("groups/<int:pk>/agreement/", views.agreement, name="agreement"),
    path("search/", views.search, name="search"),
    path("cards/<int:pk>/code/", views.code, name="code"),
    path("cards/<int:pk>/tools/", views.card_tools, name="card_tools"),
    path("cards/<int:pk>/uncode/", views.uncode, name="uncode"),
    path("cards/<int:pk>/not-codable/", views.not_codable, name="not_codable"),
    path("cards/<int:pk>/split/", views.split, name="split"),
    path("cards/<int:pk>/merge/", views.merge, name="merge"),
    path("cards/<int:pk>/unmerge/", views.unmerge, name="unmerge"),
]
