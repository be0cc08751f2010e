"""Held-out NLU evaluation per language: accuracy and macro-F1 of the intents returned by /model/parse."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

_ANNOTATION = re.compile(r"\[([^\]]+)\]\((?:[^)]+)\)|\[([^\]]+)\]\{[^}]*\}")


def plain_text(example: str) -> str:
    """``"unemployment in [Romania](country)"`` -> ``"unemployment in Romania"``."""
    return _ANNOTATION.sub(lambda m: m.group(1) or m.group(2), example)


def load_examples(path: Path) -> list[tuple[str, str]]:
    """``(text, intent)`` pairs of a Rasa YAML NLU file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    pairs: list[tuple[str, str]] = []
    for block in data.get("nlu", []):
        if "intent" not in block:
            continue
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                pairs.append((plain_text(line[2:].strip()), block["intent"]))
    return pairs


@dataclass(frozen=True)
class LanguageScore:
    """How one language did on its held-out set."""

    language: str
    examples: int
    accuracy: float
    macro_f1: float
    fallbacks: int
    errors: list[tuple[str, str, str]]  # (text, expected, predicted)


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    """Unweighted mean of per-intent F1 over the intents of the gold labels."""
    scores = []
    for label in sorted(set(gold)):
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if p == label and g != label)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def evaluate(language: str, examples: list[tuple[str, str]], classify: Callable[[str], str]) -> LanguageScore:
    """Score ``classify`` (text -> intent name) on one language's held-out examples."""
    gold = [intent for _, intent in examples]
    predicted = [classify(text) for text, _ in examples]
    correct = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p)
    errors = [(text, g, p) for (text, g), p in zip(examples, predicted, strict=True) if g != p]
    return LanguageScore(language, len(examples), correct / len(examples) if examples else 0.0,
                         macro_f1(gold, predicted), predicted.count("nlu_fallback"), errors)


def format_table(scores: list[LanguageScore]) -> str:
    """A plain-text table of the scores."""
    lines = ["language  examples  accuracy  macro-F1  fallbacks"]
    lines += [f"{s.language:<8}  {s.examples:>8}  {s.accuracy:>8.1%}  {s.macro_f1:>8.1%}  {s.fallbacks:>9}"
              for s in scores]
    return "\n".join(lines)
