"""Train the Rasa model only when its inputs changed: the model file is named after their fingerprint."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

from lmi4vet.settings import PROJECT_ROOT

TRAINING_INPUTS = ("config.yml", "domain", "nlu", "stories", "lmi4vet/nlu_components.py")


def training_files(root: Path = PROJECT_ROOT) -> list[Path]:
    """The files a model is trained from, in a stable order."""
    files: list[Path] = []
    for name in TRAINING_INPUTS:
        path = root / name
        if path.is_file():
            files.append(path)  # config.yml, and the custom NLU components the model is built with
        elif path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in {".yml", ".yaml"}))
    return files


def fingerprint(root: Path = PROJECT_ROOT) -> str:
    """A short hash of the training inputs (paths and contents) and the Rasa version."""
    digest = hashlib.sha256()
    try:
        from rasa.version import __version__ as rasa_version
    except ImportError:  # pragma: no cover - rasa is a hard dependency
        rasa_version = "unknown"
    digest.update(rasa_version.encode())
    for path in training_files(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:12]


def model_path(models_dir: Path, root: Path = PROJECT_ROOT) -> Path:
    """Where the model for the current training inputs lives."""
    return models_dir / f"lmi4vet-{fingerprint(root)}.tar.gz"


def rasa_env() -> dict[str, str]:
    """Environment for Rasa subprocesses: telemetry off, TensorFlow quiet."""
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("PYTHONWARNINGS", "ignore")
    return env


def ensure_model(models_dir: Path, root: Path = PROJECT_ROOT, quiet: bool = False) -> Path:
    """Return the model for the current training data, training it first if it does not exist yet."""
    target = model_path(models_dir, root)
    if target.exists():
        if not quiet:
            print(f"==> Model up to date: {target.relative_to(root) if target.is_relative_to(root) else target}")
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    print("==> Training data or config changed: training the model (several minutes on 2 cores)", flush=True)
    started = time.monotonic()
    command = [
        sys.executable, "-m", "rasa", "train",
        "--config", str(root / "config.yml"),
        "--domain", str(root / "domain"),
        "--data", str(root / "nlu"), str(root / "stories"),
        "--out", str(models_dir),
        "--fixed-model-name", target.name.removesuffix(".tar.gz"),
    ]
    subprocess.run(command, cwd=root, env=rasa_env(), check=True)
    if not target.exists():
        raise RuntimeError(f"rasa train finished but {target} is missing")
    print(f"==> Model trained in {time.monotonic() - started:.0f} s: {target.name}", flush=True)
    for old in models_dir.glob("lmi4vet-*.tar.gz"):
        if old != target:
            old.unlink(missing_ok=True)
    return target


def main() -> None:
    """``python -m lmi4vet.training``: train if needed and print the model path."""
    from lmi4vet.settings import Settings

    print(ensure_model(Settings.from_env().models_dir))


if __name__ == "__main__":
    main()
