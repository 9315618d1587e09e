"""Shared fixtures: a network guard, settings in tmp dirs, tiny and real indexes."""

from __future__ import annotations

import ipaddress
import os
import socket
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from casebot.answer.pipeline import Collaborators
from casebot.config import Settings
from casebot.embeddings import Embedder, LocalEmbedder, TorchEmbedder, cached_onnx
from casebot.ingest.build import IngestReport, ingest
from casebot.progress import SilentReporter
from casebot.runtime import build_collaborators, ingest_params
from tests.fakes import HashingEmbedder

# Real servers (redis-server, PostgreSQL, chroma) as fixtures any test may ask for.
pytest_plugins = ["tests.servers"]

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise RuntimeError(f"network call to {host!r} blocked in tests")
    return _real_connect(self, address)


# The session's one ONNX export, made at its first use: every data dir a test creates
# (Settings, the CLI, subprocesses) reads it instead of exporting its own.
MODEL_DIR_ENV = "CASEBOT_MODEL_DIR"


@pytest.fixture(scope="session", autouse=True)
def shared_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    directory = tmp_path_factory.mktemp("onnx-model")
    before = os.environ.get(MODEL_DIR_ENV)
    os.environ[MODEL_DIR_ENV] = str(directory)
    yield directory
    if before is None:
        os.environ.pop(MODEL_DIR_ENV, None)
    else:
        os.environ[MODEL_DIR_ENV] = before


@pytest.fixture
def clean_casebot_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only what a test passes reaches Settings: no CASEBOT_* from the shell, no stray .env
    (the session's shared model dir excepted: it changes where a file is cached, not what
    casebot does)."""
    for name in list(os.environ):
        if name.startswith("CASEBOT_") and name != MODEL_DIR_ENV:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection beyond loopback fails the test that made it."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


def build_index(settings: Settings, embedder: Embedder) -> IngestReport:
    """Ingest `settings.knowledge_dir` with `embedder`, as `casebot ingest` would."""
    return ingest(ingest_params(settings, embedder.name), lambda: embedder, SilentReporter())


def write_doc(
    root: Path, rel: str, title: str, body: str, kind: str = "report", url: str | None = None
) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    front = [
        f'title: "{title}"',
        'source: "casebot test fixture"',
        "published: 2023-03-21",
        f"kind: {kind}",
    ]
    if url:
        front.append(f'url: "{url}"')
    path.write_text("---\n" + "\n".join(front) + "\n---\n" + textwrap.dedent(body).strip() + "\n")
    return path


def copy_catalog(knowledge: Path) -> None:
    """The services catalog, which ingest and serve check before anything else."""
    (knowledge / "support").mkdir(parents=True, exist_ok=True)
    (knowledge / "support" / "services.yaml").write_text(
        (REPO / "knowledge" / "support" / "services.yaml").read_text()
    )


TINY_DOCS = {
    "casey-review/01-summary.md": (
        "Summary",
        """
        # Summary
        <!-- page: 9 -->
        ## Headline finding
        The review found the Met institutionally racist, misogynist and homophobic. Casey said public consent is broken.

        ## Misconduct
        The interim report found that 1,809 officers faced more than one misconduct allegation. Only 13 of those officers were dismissed.
        """,
    ),
    "casey-review/05-public-protection.md": (
        "Public protection",
        """
        # Public protection
        ## The freezers
        The review found freezers storing rape kits were overstuffed and broken. A freezer broke in the 2022 heatwave and evidence was destroyed.
        """,
    ),
    "context/everard.md": (
        "Sarah Everard",
        """
        # Sarah Everard
        ## What happened
        Wayne Couzens, a serving officer, murdered Sarah Everard in March 2021. He received a whole-life sentence.
        """,
    ),
}


@pytest.fixture
def tiny_knowledge(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    for rel, (title, body) in TINY_DOCS.items():
        kind = "context" if rel.startswith("context/") else "report"
        write_doc(root, rel, title, body, kind=kind, url="https://example.org/report")
    copy_catalog(root)
    return root


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "knowledge_dir": REPO / "knowledge",
            "prompts_dir": REPO / "prompts",
            "data_dir": tmp_path / "data",
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def tiny_settings(make_settings: Callable[..., Settings], tiny_knowledge: Path) -> Settings:
    # Tiny corpora give small BM25 scores and a hashing embedder small similarities.
    return make_settings(
        knowledge_dir=tiny_knowledge, gate_min_similarity=0.05, gate_min_lexical_score=0.5
    )


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """The client model providers are called through; respx mocks it in tests that need it."""
    with httpx.Client() as client:
        yield client


@pytest.fixture(scope="session")
def session_http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


@pytest.fixture
def fake_embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def tiny_index(tiny_settings: Settings, fake_embedder: HashingEmbedder) -> Settings:
    """tiny_settings with an index built by the fake embedder."""
    build_index(tiny_settings, fake_embedder)
    return tiny_settings


@pytest.fixture(scope="session")
def local_embedder(shared_model_dir: Path) -> LocalEmbedder:
    """The bundled model on the default backend (ONNX Runtime), as casebot serves it."""
    return cached_onnx(shared_model_dir)


@pytest.fixture(scope="session")
def torch_embedder() -> TorchEmbedder:
    """The same weights on the PyTorch fallback."""
    return TorchEmbedder()


@pytest.fixture(scope="session")
def real_settings(
    tmp_path_factory: pytest.TempPathFactory, local_embedder: LocalEmbedder
) -> Iterator[Settings]:
    """The real corpus indexed once per session with the bundled MiniLM model."""
    settings = Settings(
        knowledge_dir=REPO / "knowledge",
        prompts_dir=REPO / "prompts",
        data_dir=tmp_path_factory.mktemp("real-data"),
    )
    build_index(settings, local_embedder)
    yield settings


@pytest.fixture(scope="session")
def real_deps(
    real_settings: Settings, local_embedder: LocalEmbedder, session_http: httpx.Client
) -> Collaborators:
    return build_collaborators(real_settings, session_http, embedder=local_embedder)
