"""Cycles and phases of the method (METHOD.md §3). Labels are translated by the web layer."""

CYCLES = (0, 1, 2, 3)
PHASES = (1, 2, 3, 4, 5, 6, 7, 8)

PHASE_KEYS = {
    1: "mobilise",
    2: "co_define",
    3: "evaluate_ex_ante",
    4: "project",
    5: "decide",
    6: "realise",
    7: "evaluate_ex_post",
    8: "review",
}

CYCLE_KEYS = {0: "taster", 1: "preparation", 2: "mobilisation", 3: "integration"}
