"""The encoding of the level matrix: the codes of an answer, where they sit in the
count tables, and the defaults of the engine."""

from __future__ import annotations

import numpy as np

LEVELS = (1, 2, 3, 4, 5)
MISSING = 0
DONT_KNOW = -1
NOT_APPLICABLE = -2
LOWEST_CODE = NOT_APPLICABLE
HIGHEST_CODE = 5
N_LEVELS = 5
#: Codes are stored in count tables at ``code - LOWEST_CODE``: 0 = n/a, 1 = don't
#: know, 2 = missing, 3..7 = levels 1..5.
N_CODES = HIGHEST_CODE - LOWEST_CODE + 1
LEVEL_SLOTS = slice(-LOWEST_CODE + 1, N_CODES)
NA_SLOT, DK_SLOT, MISSING_SLOT = 0, 1, 2

#: Profile code of a respondent who did not give (or consent to give) this profile.
PROFILE_NOT_STATED = -1

LOW_LEVELS = (1, 2)
HIGH_LEVELS = (4, 5)

#: The 0–100 score, published on the results page.
SCORE_FORMULA = "score = (mean − 1) / 4 × 100"
SCORE_FORMULA_TEX = r"\mathrm{score} = \frac{\bar{x} - 1}{4} \times 100"

DEFAULT_THRESHOLD = 5
DEFAULT_CONFIDENCE = 0.95
DEFAULT_REPLICATES = 2000
DEFAULT_EXTREMES = 10

# Rows per block of the counting pass: ~2 MB of levels, so the keys stay in cache.
_BLOCK_CELLS = 1 << 21
# Above this many distinct weights, weighted totals come from a weighted bincount
# (floating point) instead of exact counts per weight class.
_MAX_WEIGHT_CLASSES = 256

_LEVEL_VALUES = np.arange(1, N_LEVELS + 1, dtype=np.float64)
