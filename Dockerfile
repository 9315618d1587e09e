# casebot's API image (docs/deploy.md). The index is built by `casebot ingest` into the
# Chroma server and the shared data volume; workers only read it.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 ANONYMIZED_TELEMETRY=False
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
COPY knowledge ./knowledge
COPY prompts ./prompts
COPY models ./models
# torch first and pinned (the Makefile does the same): an unpinned one pulls CUDA packages.
RUN pip install --no-cache-dir torch==2.13.0 && pip install --no-cache-dir .
RUN useradd --create-home casebot && mkdir -p /data && chown casebot /data
USER casebot
ENV CASEBOT_DATA_DIR=/data CASEBOT_KNOWLEDGE_DIR=/app/knowledge \
    CASEBOT_PROMPTS_DIR=/app/prompts CASEBOT_SAFETY_MODEL_DIR=/app/models/safety
EXPOSE 8000
CMD ["casebot", "serve", "--host", "0.0.0.0", "--port", "8000"]
