"""What a web process does when it starts: load the suggestion libraries and the base
models kept on disk, then, in the background, the territories' stored models."""

from __future__ import annotations

from cospiral.coding import suggestions as s


def warm_up(*, territories: bool = True) -> None:
    """What a web process does when it starts (``cospiral.wsgi``), before its first
    request: import the libraries the suggestions use and load the base models on disk
    (a fraction of a second each); then, in the background, each territory's stored
    model and layer. Never trains; never raises."""
    try:
        import joblib  # noqa: F401
        import scipy.sparse  # noqa: F401
        import sklearn.linear_model  # noqa: F401
        import sklearn.pipeline  # noqa: F401

        from cospiral.coding.models import SuggestionModel
        from cospiral.territories.models import Territory

        versions = set(Territory.objects.values_list("grid_version_id", flat=True).distinct())
        for version_id in versions:
            if version_id is None:
                continue
            key = s.base_key(version_id)
            model = s._load_model(s._base_path(key), key)
            if model is not None:
                s._remember_base(key, model)
        if territories:
            recent = (SuggestionModel.objects.order_by("-created_at")
                      .values_list("territory_id", flat=True)[:s.WARM_TERRITORIES])
            for territory_pk in recent:
                s._background(f"warm-{territory_pk}", _warm_territory, territory_pk)
    except Exception:  # noqa: BLE001 - e.g. no database yet: the first requests load what they need
        s.log.warning("Could not warm up the suggestions.", exc_info=True)


def _warm_territory(territory_pk: int) -> None:
    from cospiral.territories.models import Territory

    territory = Territory.objects.filter(pk=territory_pk).first()
    if territory is not None:
        s._ready(territory, s.allowed_components(territory))
