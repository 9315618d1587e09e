"""Settings: the one place casebot reads its configuration (environment prefix CASEBOT_)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_REPO_ROOT = Path(__file__).resolve().parents[2]
# Eval reports go under the directory casebot eval runs in, never into the installed package.
DEFAULT_REPORT_DIR = Path("casebot-reports")

# The choices casebot offers, written once: the API schema, the CLI and the pipeline use these.
Mode = Literal["extractive", "llm"]
RequestedMode = Literal["auto", Mode]
ChromaMode = Literal["embedded", "http"]
EmbedderKind = Literal["local", "openai"]
EmbedderBackend = Literal["onnx", "torch"]


def cores() -> int:
    """CPU cores this process may run on (its affinity, not the machine's total)."""
    return len(os.sched_getaffinity(0))


def valid_rate(value: str | None) -> str | None:
    """A rate limit in the `limits` notation ("20/minute", "5/second;100/hour")."""
    if value is None:
        return None
    from limits import parse_many

    try:
        parse_many(value)
    except ValueError as exc:
        raise ValueError(f"not a rate limit like '20/minute': {value!r}") from exc
    return value


class Settings(BaseSettings):
    """Every knob casebot has, each with its range. Defaults run offline on one machine
    with no key."""

    model_config = SettingsConfigDict(
        env_prefix="CASEBOT_", env_file=".env", env_ignore_empty=True, extra="ignore"
    )

    knowledge_dir: Path = _REPO_ROOT / "knowledge"
    prompts_dir: Path = _REPO_ROOT / "prompts"
    safety_model_dir: Path = _REPO_ROOT / "models" / "safety"
    qtype_model_dir: Path = _REPO_ROOT / "models" / "qtype"
    rerank_model_dir: Path = _REPO_ROOT / "models" / "rerank"
    data_dir: Path = Path(".casebot")

    chroma_mode: ChromaMode = "embedded"
    chroma_host: str = Field(default="127.0.0.1", min_length=1)
    chroma_port: int = Field(default=8001, ge=1, le=65535)

    embedder: EmbedderKind = "local"
    embedder_model: str = "all-MiniLM-L6-v2"
    embedder_url: str | None = None
    embedder_api_key: str | None = None
    embedder_timeout_s: float = Field(default=30.0, gt=0, le=600)
    # The bundled model's runtime: ONNX Runtime, or PyTorch as the fallback.
    embedder_backend: EmbedderBackend = "onnx"
    # CASEBOT_THREADS: threads ONE computation uses in a serving process: ONNX Runtime's
    # intra-op pool (torch's with the torch backend); numpy's BLAS always uses one
    # (runtime.limit_threads). Not how many requests
    # compute at once (work_threads). Default: the cores shared out among the workers
    # (cores // workers, at least one), so workers never fight over cores
    # (docs/performance.md). Ingest ignores it and uses every core.
    threads: int | None = Field(default=None, ge=1, le=64)
    # Recent texts' embeddings kept in process memory (never on disk); 0 turns it off.
    embed_cache_size: int = Field(default=256, ge=0, le=100_000)
    # Where the exported ONNX model is kept; default <data_dir>/models. One export can
    # serve several data dirs.
    model_dir: Path | None = None

    chunk_tokens: int = Field(default=180, ge=40, le=230)
    chunk_overlap_sentences: int = Field(default=1, ge=0, le=3)

    top_k: int = Field(default=6, ge=1, le=20)
    candidates: int = Field(default=30, ge=5, le=100)
    rrf_k: int = Field(default=60, ge=1, le=1000)
    gate_min_similarity: float = Field(default=0.22, ge=0.0, le=1.0)
    gate_strong_similarity: float = Field(default=0.42, ge=0.0, le=1.0)
    gate_min_lexical_score: float = Field(default=2.5, ge=0.0, le=100.0)
    # A question whose closest sentence among the top chunks is this similar passes: a
    # fact held in one sentence of a long chunk (docs/answers.md says how it was chosen).
    gate_sentence_similarity: float = Field(default=0.42, ge=0.0, le=1.0)
    sentence_min_similarity: float = Field(default=0.25, ge=0.0, le=1.0)

    answer_max_words: int = Field(default=120, ge=30, le=400)
    answer_max_sentences: int = Field(default=6, ge=1, le=12)

    mode: RequestedMode = "auto"
    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: str | None = None
    llm_timeout_s: float = Field(default=20.0, gt=0, le=600)

    host: str = Field(default="127.0.0.1", min_length=1)
    port: int = Field(default=8000, ge=1, le=65535)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024)
    cors_origins: list[str] = Field(default_factory=list)
    # A comment line on an idle stream this often keeps proxies from closing it.
    stream_heartbeat_s: float = Field(default=15.0, gt=0)

    # Serving many support services (docs/deploy.md). Without a tenants file casebot is open
    # to any caller, for a single site on loopback.
    tenants_file: Path | None = None
    tenants_allow_examples: bool = False  # the example tenants file's made-up services
    # Clients are rate-limited by a salted hash of their address; workers sharing limits must
    # share the salt. Unset: a random salt per process (one worker only).
    client_key_salt: SecretStr | None = None
    rate_limit_storage: str = "memory://"  # or redis://host:port/db for several workers
    rate_limit_client: str = "20/minute"
    rate_limit_tenant: str = "600/minute"
    feedback_url: str | None = None  # SQLAlchemy URL; default SQLite under data_dir
    metrics_key: SecretStr | None = None  # when set, GET /metrics needs "Bearer <key>"
    workers: int = Field(default=1, ge=1, le=64)

    _rates = field_validator("rate_limit_client", "rate_limit_tenant")(valid_rate)

    # Serving under load (docs/operations.md). Requests' CPU-bound work (embedding, search,
    # composing) runs in a bounded pool in each worker process. CASEBOT_WORK_THREADS: how
    # many requests compute at once (the pool's threads; each computation uses `threads`).
    # CASEBOT_WORK_QUEUE: how many more are admitted to wait for one. A request that finds
    # `work_threads + work_queue` already admitted is shed with 503 and Retry-After, unless
    # its cheap safety assessment says it is urgent.
    work_threads: int = Field(default=2, ge=1, le=64)
    work_queue: int = Field(default=64, ge=0, le=10_000)
    retry_after_s: int = Field(default=2, ge=1, le=3600)
    # Slow clients cannot pin the server: each body read, an idle keep-alive connection and
    # the whole request have a deadline.
    body_timeout_s: float = Field(default=10.0, gt=0, le=600)
    keep_alive_s: int = Field(default=5, ge=1, le=600)
    request_timeout_s: float = Field(default=30.0, gt=0, le=600)
    # How often readiness is re-checked: the store's reachability and the CURRENT pointer
    # (a new index version is loaded without a restart).
    watch_interval_s: float = Field(default=2.0, gt=0, le=3600)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    report_dir: Path = DEFAULT_REPORT_DIR

    @model_validator(mode="after")
    def _llm_needs_url(self) -> Settings:
        if self.mode == "llm" and not self.llm_base_url:
            raise ValueError("CASEBOT_MODE=llm needs CASEBOT_LLM_BASE_URL")
        if self.embedder == "openai" and not self.embedder_url:
            raise ValueError("CASEBOT_EMBEDDER=openai needs CASEBOT_EMBEDDER_URL")
        return self

    @model_validator(mode="after")
    def _shared_limits(self) -> Settings:
        shared = not self.rate_limit_storage.startswith("memory://")
        if self.workers > 1 and not shared:
            raise ValueError(
                "several workers need shared rate limits: set CASEBOT_RATE_LIMIT_STORAGE=redis://..."
            )
        if shared and self.client_key_salt is None:
            raise ValueError("shared rate limits need one CASEBOT_CLIENT_KEY_SALT on every worker")
        if self.tenants_file is not None and self.cors_origins:
            raise ValueError(
                "with a tenants file, each tenant's origins are in it: unset CASEBOT_CORS_ORIGINS"
            )
        return self

    @property
    def index_root(self) -> Path:
        return self.data_dir / "index"

    @property
    def feedback_database_url(self) -> str:
        return self.feedback_url or f"sqlite:///{self.data_dir / 'feedback.sqlite3'}"

    @property
    def compute_threads(self) -> int:
        """Threads per serving process: the setting, or this process's share of the cores."""
        return self.threads or max(1, cores() // self.workers)

    @property
    def model_cache_dir(self) -> Path:
        """Where the exported ONNX model is kept."""
        return self.model_dir or self.data_dir / "models"

    @property
    def llm_configured(self) -> bool:
        return self.llm_base_url is not None
