"""casebot's error tree. The API maps it to HTTP in one place (api/errors.py).

CasebotError
 ├── InvalidInput            (400) a request casebot cannot act on
 ├── InvalidKey              (401) a missing or unknown publishable key
 ├── OriginNotAllowed        (403) the key's tenant does not allow this site
 ├── RateLimited             (429) a client or tenant is over its limit (Retry-After)
 ├── ConfigError             (500) settings or data files are wrong
 │    ├── CatalogError       services.yaml failed validation
 │    ├── TenantsError       the tenants file failed validation
 │    └── PromptError        a prompt file failed validation
 ├── RequestTimeout          (408) the request body did not arrive in time
 ├── PayloadTooLarge         (413) the request body is over the limit
 ├── IndexNotReady           (503) no index has been built yet
 ├── ModelNotFound           (404) the OpenAI-compatible API was asked for another model
 ├── RetrievalUnavailable    (503) the vector store or embedder failed
 ├── Overloaded              (503) the work pool's queue is full: retry after a moment
 ├── DeadlineExceeded        (504) the request's work did not finish in time
 ├── FeedbackUnavailable     (503) the feedback database cannot be reached
 ├── ProviderError           (502) an OpenAI-compatible endpoint failed (its caller re-raises
 │                                 it as GeneratorError or RetrievalUnavailable)
 ├── GeneratorError          (502) the model provider failed or timed out
 ├── IngestError             a document could not be loaded (reported and skipped)
 └── UsageError              a bad command line or input file (the CLI exits 2)
      └── DatasetError       an eval dataset is missing, unreadable or invalid
"""

from __future__ import annotations


class CasebotError(Exception):
    """Base class for errors casebot raises on purpose."""

    code = "internal_error"
    status = 500


class InvalidInput(CasebotError):
    code = "invalid_input"
    status = 400


class InvalidKey(CasebotError):
    code = "invalid_key"
    status = 401


class OriginNotAllowed(CasebotError):
    code = "origin_not_allowed"
    status = 403


class RateLimited(CasebotError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ConfigError(CasebotError):
    code = "config_error"
    status = 500


class CatalogError(ConfigError):
    code = "catalog_invalid"


class TenantsError(ConfigError):
    code = "tenants_invalid"


class PromptError(ConfigError):
    code = "prompt_invalid"


class RequestTimeout(CasebotError):
    code = "request_timeout"
    status = 408


class PayloadTooLarge(CasebotError):
    code = "payload_too_large"
    status = 413


class Overloaded(CasebotError):
    """Shed load: the caller should try again after `retry_after` seconds."""

    code = "overloaded"
    status = 503

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DeadlineExceeded(CasebotError):
    code = "deadline_exceeded"
    status = 504


class IndexNotReady(CasebotError):
    code = "index_not_ready"
    status = 503


class RetrievalUnavailable(CasebotError):
    code = "retrieval_unavailable"
    status = 503


class FeedbackUnavailable(CasebotError):
    code = "feedback_unavailable"
    status = 503


class ProviderError(CasebotError):
    code = "provider_error"
    status = 502


class GeneratorError(CasebotError):
    code = "generator_error"
    status = 502


class IngestError(CasebotError):
    code = "ingest_error"


class UsageError(CasebotError):
    code = "usage_error"
    status = 400


class DatasetError(UsageError):
    code = "dataset_invalid"


class ModelNotFound(CasebotError):
    """The OpenAI-compatible API was asked for a model casebot does not serve."""

    code = "model_not_found"
    status = 404
