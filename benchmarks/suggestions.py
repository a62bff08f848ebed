"""Benchmark of the coding suggestions (pure domain code, no database).

- prediction: ``top_k(model, texts, 3)`` over 100,000 card texts (goal ≥ 20,000 cards/s);
- training: ``train`` on 50,000 coded cards (goal ≤ 15 s), confidences calibrated (the
  model leaves 2,000 cards out of its training to fit its temperature on).

The coded cards are built from the shipped examples (``cospiral/data/examples`` and the
demo's coded cards) by random perturbation: dropped words, dropped accents, swapped
letters, doubled words, a resident's filler phrase before or after. Prints one JSON object.

    python benchmarks/suggestions.py [--predict 100000] [--train 50000] [--seed 2026]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
import unicodedata

FILLERS = {
    "fr": ["franchement", "pour moi", "surtout", "c'est important", "dans le quartier",
           "au quotidien", "pour tout le monde", "svp", "!!", "vraiment"],
    "en": ["honestly", "for me", "most of all", "it matters", "round here", "every day",
           "for everyone", "please", "!!", "really"],
}


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def perturb(rng: random.Random, text: str, language: str) -> str:
    words = text.split()
    if len(words) > 3 and rng.random() < 0.5:
        del words[rng.randrange(len(words))]
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        words.insert(i, words[i])
    if rng.random() < 0.4:
        i = rng.randrange(len(words))
        w = words[i]
        if len(w) > 3:
            j = rng.randrange(len(w) - 1)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    out = " ".join(words)
    if rng.random() < 0.3:
        out = _strip_accents(out)
    if rng.random() < 0.4:
        filler = rng.choice(FILLERS.get(language, FILLERS["fr"]))
        out = f"{filler} {out}" if rng.random() < 0.5 else f"{out} {filler}"
    if rng.random() < 0.2:
        out = out.lower()
    return out


def coded_cards(n: int, seed: int):
    from cospiral.domain import suggest

    examples = suggest.shipped_examples()
    rng = random.Random(seed)
    texts, codes = [], []
    for _ in range(n):
        e = rng.choice(examples)
        texts.append(perturb(rng, e.text, e.language))
        codes.append(e.code)
    return texts, codes


def _classifier_name(classifier) -> str:
    """The linear classifier's class, and the naive Bayes blended with it if any."""
    linear = getattr(classifier, "linear", classifier)
    return type(linear).__name__ + (" + ComplementNB" if hasattr(classifier, "bayes") else "")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--predict", type=int, default=100_000)
    parser.add_argument("--train", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)

    from cospiral.domain import suggest

    started = time.perf_counter()
    train_texts, train_codes = coded_cards(args.train, args.seed)
    predict_texts, predict_truth = coded_cards(args.predict, args.seed + 1)
    build_seconds = time.perf_counter() - started

    grid_texts, grid_codes = suggest.default_grid_phrases()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    model = suggest.train(train_texts + grid_texts, train_codes + grid_codes, seed=0)
    train_seconds = time.perf_counter() - t0
    train_cpu = time.process_time() - cpu0

    # Warm-up on a few texts, then the timed run over every text.
    suggest.top_k(model, predict_texts[:100], 3)
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    ranked = suggest.top_k(model, predict_texts, 3)
    predict_seconds = time.perf_counter() - t0
    predict_cpu = time.process_time() - cpu0
    hits = sum(truth in [c for c, _ in row] for row, truth in zip(ranked, predict_truth, strict=True))

    result = {
        "benchmark": "suggestions",
        "classifier": _classifier_name(model.pipeline.steps[-1][1]),
        "features": "char 3-5-grams, words, French and English Snowball stems, word pairs, first-word stems",
        "temperature": round(model.meta.get("temperature", 0), 4),
        "components": len(model.codes),
        "train_cards": args.train,
        "train_seconds": round(train_seconds, 2),
        "train_cpu_seconds": round(train_cpu, 2),
        "train_goal_seconds": 15,
        "train_ok": train_seconds <= 15,
        "predict_cards": args.predict,
        "predict_seconds": round(predict_seconds, 2),
        "predict_cpu_seconds": round(predict_cpu, 2),
        "cards_per_second": round(args.predict / predict_seconds),
        "predict_goal_cards_per_second": 20_000,
        "predict_ok": args.predict / predict_seconds >= 20_000,
        # Perturbed copies of training examples: a sanity figure, not a quality measure
        # (that is ``cospiral suggest-eval``).
        "top3_on_perturbed_copies": round(hits / max(1, len(ranked)), 4),
        "build_seconds": round(build_seconds, 2),
        "cores": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
