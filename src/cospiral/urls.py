from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from cospiral.accounts import urls as account_urls
from cospiral.accounts import views as account_views
from cospiral.jobs import views as job_views
from cospiral.territories import views as territory_views

urlpatterns = [
    path("", territory_views.site_home, name="home"),
    path("health/", job_views.health, name="health"),
    path("jobs/", include("cospiral.jobs.site_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Accounts (issue 13): sign-in (with lock-out and the optional second factor), password
    # reset, invitations, first run. The admin signs in through the same page.
    path("accounts/", include(account_urls.site_urlpatterns)),
    path("accounts/", include("cospiral.accounts.urls")),
    path("setup/<str:token>/", account_views.setup, name="setup"),
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    path("grid/", include("cospiral.grid.urls")),
    path("p/", include("cospiral.cards.public_urls")),
    path("s/", include("cospiral.surveys.public_urls")),
    path("v/", include("cospiral.votes.public_urls")),
    path("territories/", include("cospiral.territories.site_urls")),
    path("networks/", include("cospiral.network.urls", namespace="network")),
    path("t/<slug:territory>/", include("cospiral.territories.urls")),
    path("t/<slug:territory>/invitations/", include("cospiral.accounts.territory_urls")),
    path("t/<slug:territory>/grid/", include("cospiral.grid.territory_urls")),
    path("t/<slug:territory>/jobs/", include("cospiral.jobs.urls")),
    path("t/<slug:territory>/groups/", include("cospiral.groups.urls")),
    path("t/<slug:territory>/cards/", include("cospiral.cards.urls")),
    path("t/<slug:territory>/coding/", include("cospiral.coding.urls")),
    path("t/<slug:territory>/syntheses/", include("cospiral.syntheses.urls")),
    path("t/<slug:territory>/indicators/", include("cospiral.indicators.urls")),
    path("t/<slug:territory>/statistics/", include("cospiral.statistics.urls")),
    path("t/<slug:territory>/surveys/", include("cospiral.surveys.urls")),
    path("t/<slug:territory>/existing-actions/", include("cospiral.existing_actions.urls")),
    path("t/<slug:territory>/actions/", include("cospiral.actions.urls")),
    path("t/<slug:territory>/votes/", include("cospiral.votes.urls")),
    path("t/<slug:territory>/contracts/", include("cospiral.contracts.urls")),
    path("t/<slug:territory>/review/", include("cospiral.review.urls")),
    path("t/<slug:territory>/package/", include("cospiral.packages.urls")),
    path("packages/", include("cospiral.packages.site_urls")),
    path("api/", include("cospiral.api.urls")),
    path("my-data/", include("cospiral.privacy.urls")),
]
