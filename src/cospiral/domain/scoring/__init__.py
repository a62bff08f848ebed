"""Scoring engine for survey waves (METHOD.md §8, issue 4 deliverable 3).

Pure NumPy + SciPy; no Django. Everything works on a compact **level matrix**:

``levels``: ``int8`` array of shape ``(respondents, indicators)`` holding

=====================  =====  ==================================================
meaning                code   counted as a level?
=====================  =====  ==================================================
levels 1 … 5           1–5    yes (1 very unsatisfactory … 5 ideal)
no answer / missing    ``MISSING`` = 0         never
"don't know"           ``DONT_KNOW`` = -1      never (counted apart)
"not applicable"       ``NOT_APPLICABLE`` = -2 never (counted apart)
=====================  =====  ==================================================

Any other value is rejected (``ValueError`` naming the first bad row and column).

One pass over the matrix (in blocks of rows that fit in the CPU cache, never a loop
per indicator or per respondent) counts, for every indicator × code × group, the
respondents (``np.bincount`` over ``code + 8·indicator + 8·J·group`` offsets). When
respondents carry weights, the weights' distinct values form *classes* and the group
also includes the class, so weighted totals and sums of squared weights come out of
the same integer counts, exactly. Every figure is then derived from those counts:

* per indicator: counts per level, valid ``n``, "don't know", "not applicable" and
  missing counts, shares, median (from cumulative counts; the mean of the two middle
  levels when they differ, as ``numpy.median``), shares at levels 1–2 and 4–5 with
  Wilson intervals, mean and the 0–100 score (``SCORE_FORMULA``);
* family indices (weighted mean of their indicators' scores) and a synthetic index
  (weighted mean of the families), weights equal by default and always returned;
* a breakdown by one profile variable with small-cell suppression (``suppress``);
* optional respondent weights (``poststratify``, ``rake``) with the effective sample
  size n_eff = (Σw)² / Σw² (Kish); Wilson intervals then use n_eff;
* the extreme situations: indicators and profile cells with the largest shares at
  levels 1–2 (suppressed cells never listed).

Intervals for means and medians come from ``bootstrap`` (seeded, the seed returned);
ex-post against ex-ante from ``compare`` (difference of shares with Newcombe's
interval, Brunner–Munzel test with the probability of superiority).

Undefined figures (no valid answer, suppressed cell) are *masked* in the arrays of the
results (``numpy.ma``; the hidden data are zeroed, not merely hidden) and ``None`` in
the per-cell views (``Distribution.figures``). Nothing ever divides by zero.

The engine is a package of modules read one at a time (this module re-exports their
public names, so ``from cospiral.domain import scoring`` keeps working): ``codes`` (the
encoding), ``results`` (the result dataclasses), ``tally`` (validation and the counting
pass), ``figures`` (figures from counts and suppression), ``indices`` (family and
synthetic indices, extremes), ``engine`` (``score``, ``score_cells``), ``bootstrap``
(intervals), ``compare`` (ex-post against ex-ante) and ``weighting`` (post-stratification,
raking).
"""

from cospiral.domain.scoring.bootstrap import (
    IndexIntervals,
    bootstrap,
    bootstrap_indices,
    bootstrap_with_indices,
)
from cospiral.domain.scoring.codes import (
    DEFAULT_CONFIDENCE,
    DEFAULT_EXTREMES,
    DEFAULT_REPLICATES,
    DEFAULT_THRESHOLD,
    DK_SLOT,
    DONT_KNOW,
    HIGH_LEVELS,
    HIGHEST_CODE,
    LEVEL_SLOTS,
    LEVELS,
    LOW_LEVELS,
    LOWEST_CODE,
    MISSING,
    MISSING_SLOT,
    N_CODES,
    N_LEVELS,
    NA_SLOT,
    NOT_APPLICABLE,
    PROFILE_NOT_STATED,
    SCORE_FORMULA,
    SCORE_FORMULA_TEX,
)
from cospiral.domain.scoring.compare import (
    brunner_munzel_counts,
    compare,
    newcombe,
)
from cospiral.domain.scoring.engine import (
    score,
    score_cells,
)
from cospiral.domain.scoring.figures import (
    suppress,
    wilson,
)
from cospiral.domain.scoring.indices import (
    _family_plan as _family_plan,
)
from cospiral.domain.scoring.results import (
    BootstrapIntervals,
    Breakdown,
    Comparison,
    Distribution,
    Extreme,
    Figures,
    Indices,
    Scores,
    Weighting,
)
from cospiral.domain.scoring.tally import (
    _as_groups as _as_groups,
)
from cospiral.domain.scoring.tally import (
    tally,
)
from cospiral.domain.scoring.weighting import (
    effective_sample_size,
    poststratify,
    rake,
)

__all__ = [
    "bootstrap",
    "BootstrapIntervals",
    "bootstrap_indices",
    "bootstrap_with_indices",
    "Breakdown",
    "brunner_munzel_counts",
    "compare",
    "Comparison",
    "DEFAULT_CONFIDENCE",
    "DEFAULT_EXTREMES",
    "DEFAULT_REPLICATES",
    "DEFAULT_THRESHOLD",
    "Distribution",
    "DK_SLOT",
    "DONT_KNOW",
    "effective_sample_size",
    "Extreme",
    "Figures",
    "HIGHEST_CODE",
    "HIGH_LEVELS",
    "IndexIntervals",
    "Indices",
    "LEVELS",
    "LEVEL_SLOTS",
    "LOWEST_CODE",
    "LOW_LEVELS",
    "MISSING",
    "MISSING_SLOT",
    "NA_SLOT",
    "newcombe",
    "NOT_APPLICABLE",
    "N_CODES",
    "N_LEVELS",
    "poststratify",
    "PROFILE_NOT_STATED",
    "rake",
    "score",
    "Scores",
    "score_cells",
    "SCORE_FORMULA",
    "SCORE_FORMULA_TEX",
    "suppress",
    "tally",
    "Weighting",
    "wilson",
]
