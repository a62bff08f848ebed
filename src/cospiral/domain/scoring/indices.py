"""Family and synthetic indices (weighted means of the indicators' scores) and the
extreme situations (largest shares at levels 1–2)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from cospiral.domain.scoring.results import Breakdown, Distribution, Extreme, Indices

#: Family keys, each indicator's family position, indicator weights, family weights.
_Plan = tuple[tuple[Hashable, ...], np.ndarray, np.ndarray, np.ndarray]


def _family_plan(J: int, families: Sequence[Hashable] | None, indicator_weights: ArrayLike | None,
                 family_weights: Mapping[Hashable, float] | ArrayLike | None) -> _Plan | None:
    if families is None:
        return None
    families = list(families)
    if len(families) != J:
        raise ValueError(f"{len(families)} family keys given for {J} indicators.")
    keys: list[Hashable] = []
    position: dict[Hashable, int] = {}
    of = []
    for key in families:
        if key not in position:
            position[key] = len(keys)
            keys.append(key)
        of.append(position[key])
    iw = np.ones(J) if indicator_weights is None else np.asarray(indicator_weights, dtype=np.float64)
    if iw.shape != (J,) or np.any(~np.isfinite(iw)) or np.any(iw < 0):
        raise ValueError("Indicator weights must be one finite, non-negative number per indicator.")
    if family_weights is None:
        fw = np.ones(len(keys))
    elif isinstance(family_weights, Mapping):
        unknown = set(family_weights) - set(keys)
        if unknown:
            raise ValueError(f"Weights given for unknown families: {sorted(map(str, unknown))}.")
        fw = np.array([float(family_weights.get(k, 1.0)) for k in keys])
    else:
        fw = np.asarray(family_weights, dtype=np.float64)
    if fw.shape != (len(keys),) or np.any(~np.isfinite(fw)) or np.any(fw < 0):
        raise ValueError("Family weights must be one finite, non-negative number per family.")
    return tuple(keys), np.array(of), iw, fw


def _indices(score: np.ma.MaskedArray, plan: _Plan | None) -> Indices | None:
    if plan is None:
        return None
    keys, of, iw, fw = plan
    F = len(keys)
    membership = np.zeros((len(of), F))
    membership[np.arange(len(of)), of] = 1.0
    defined = ~np.ma.getmaskarray(score)
    values = np.ma.getdata(score) * defined
    weighted = (values * iw) @ membership
    weight_present = (defined * iw) @ membership
    weight_all = iw @ membership
    with np.errstate(invalid="ignore", divide="ignore"):
        family = np.where(weight_present > 0, weighted / np.where(weight_present > 0, weight_present, 1), 0.0)
    family_defined = weight_present > 0
    family_complete = family_defined & np.isclose(weight_present, weight_all)
    fw_present = family_defined * fw
    total = fw_present.sum(axis=-1)
    synthetic = np.where(total > 0, (family * fw_present).sum(axis=-1) / np.where(total > 0, total, 1), 0.0)
    synthetic_defined = total > 0
    synthetic_complete = synthetic_defined & family_complete[..., fw > 0].all(axis=-1)
    return Indices(
        families=keys,
        family_of=tuple(int(x) for x in of),
        indicator_weights=iw,
        family_weights=fw,
        family=np.ma.MaskedArray(family, mask=~family_defined),
        family_complete=family_complete,
        synthetic=np.ma.MaskedArray(synthetic, mask=~synthetic_defined),
        synthetic_complete=np.asarray(synthetic_complete),
    )


# --- Extremes ---------------------------------------------------------------------------


def _extremes(indicators: Sequence[Hashable], overall: Distribution, breakdown: Breakdown | None,
              limit: int) -> tuple[Extreme, ...]:
    entries = []
    dists = [overall]
    if breakdown is not None:
        dists.append(breakdown.distribution)
    candidates = []
    for d_index, dist in enumerate(dists):
        share = np.ma.filled(dist.low_share, np.nan)
        lo = np.ma.filled(dist.low_low, np.nan)
        hi = np.ma.filled(dist.low_high, np.nan)
        n = np.ma.filled(dist.n, 0)
        valid = ~np.isnan(share) & ~dist.suppressed
        if share.ndim == 1:
            share, lo, hi, n, valid = (a[None, :] for a in (share, lo, hi, n, valid))
        g_idx, j_idx = np.nonzero(valid)
        candidates.append((d_index, g_idx, j_idx, share[g_idx, j_idx], lo[g_idx, j_idx], hi[g_idx, j_idx], n[g_idx, j_idx]))
    d_all = np.concatenate([np.full(len(c[1]), c[0]) for c in candidates])
    g_all = np.concatenate([c[1] for c in candidates])
    j_all = np.concatenate([c[2] for c in candidates])
    s_all = np.concatenate([c[3] for c in candidates])
    lo_all = np.concatenate([c[4] for c in candidates])
    hi_all = np.concatenate([c[5] for c in candidates])
    n_all = np.concatenate([c[6] for c in candidates])
    # Largest share first; then the largest lower bound (more certain), then larger n.
    order = np.lexsort((-n_all, -lo_all, -s_all))[:limit]
    for i in order:
        group = breakdown.groups[g_all[i]] if d_all[i] != 0 and breakdown is not None else None
        entries.append(
            Extreme(
                indicator=indicators[j_all[i]],
                group=group,
                low_share=float(s_all[i]),
                low_interval=(float(lo_all[i]), float(hi_all[i])),
                n=int(n_all[i]),
            )
        )
    return tuple(entries)
