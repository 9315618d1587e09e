"""Settings: the one place casebot reads its configuration (environment prefix CASEBOT_)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_REPO_ROOT = Path(__file__).resolve().parents[2]
# Eval reports go under the directory casebot eval runs in, never into the installed package.
DEFAULT_REPORT_DIR = Path("casebot-reports")

# The choices casebot offers, written once: the API schema, the CLI and the pipeline use these.
Mode = Literal["extractive", "llm"]
RequestedMode = Literal["auto", Mode]
ChromaMode = Literal["embedded", "http"]
EmbedderKind = Literal["local", "openai"]


class Settings(BaseSettings):
    """Every knob casebot has, each with its range. Defaults run offline on one machine
    with no key."""

    model_config = SettingsConfigDict(
        env_prefix="CASEBOT_", env_file=".env", env_ignore_empty=True, extra="ignore"
    )

    knowledge_dir: Path = _REPO_ROOT / "knowledge"
    prompts_dir: Path = _REPO_ROOT / "prompts"
    safety_model_dir: Path = _REPO_ROOT / "models" / "safety"
    data_dir: Path = Path(".casebot")

    chroma_mode: ChromaMode = "embedded"
    chroma_host: str = Field(default="127.0.0.1", min_length=1)
    chroma_port: int = Field(default=8001, ge=1, le=65535)

    embedder: EmbedderKind = "local"
    embedder_model: str = "all-MiniLM-L6-v2"
    embedder_url: str | None = None
    embedder_api_key: str | None = None
    embedder_timeout_s: float = Field(default=30.0, gt=0, le=600)

    chunk_tokens: int = Field(default=180, ge=40, le=230)
    chunk_overlap_sentences: int = Field(default=1, ge=0, le=3)

    top_k: int = Field(default=6, ge=1, le=20)
    candidates: int = Field(default=30, ge=5, le=100)
    rrf_k: int = Field(default=60, ge=1, le=1000)
    gate_min_similarity: float = Field(default=0.22, ge=0.0, le=1.0)
    gate_strong_similarity: float = Field(default=0.42, ge=0.0, le=1.0)
    gate_min_lexical_score: float = Field(default=2.5, ge=0.0, le=100.0)
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

    # Serving under load (docs/operations.md). CPU-bound work runs in a bounded pool; a
    # request that finds `work_threads + work_queue` already admitted is shed with 503 and
    # Retry-After, unless its cheap safety assessment says it is urgent.
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

    @property
    def index_root(self) -> Path:
        return self.data_dir / "index"

    @property
    def llm_configured(self) -> bool:
        return self.llm_base_url is not None
