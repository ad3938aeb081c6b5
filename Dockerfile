# syntax=docker/dockerfile:1
# feedback-ai: the same `feedback-ai serve` as the README, as a non-root container.
#   docker build -t feedback-ai .
#   docker run -p 8000:8000 -v feedback-ai-data:/app/var feedback-ai
# The first start registers the model trained at build time as the champion and prints a one-time
# admin API key in the logs (or set FEEDBACK_AI_BOOTSTRAP_ADMIN_KEY). Models trained later
# (`feedback-ai retrain`) are kept in the volume, beside the database whose registry names them.
# PostgreSQL: -e FEEDBACK_AI_DATABASE_URL=postgresql://user:pass@host:5432/db

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY feedback_ai ./feedback_ai
RUN pip install .
# Train the default model from the bundled seed data at build time, so containers start fast.
# Offline (--no-register): the registry lives in the runtime database, where `serve
# --default-model` registers and promotes it on first start. `default` points at the versioned
# folder, so the registry records a path unique to this build's model.
RUN feedback-ai train --no-register --models-dir /opt/default-model \
    && cd /opt/default-model && ln -s "$(ls)" default

FROM python:3.11-slim-bookworm AS runtime
RUN groupadd --gid 10001 app && useradd --uid 10001 --gid app --create-home app \
    && mkdir -p /app/var && chown app:app /app/var
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/default-model /app/default-model
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    FEEDBACK_AI_HOST=0.0.0.0 \
    FEEDBACK_AI_PORT=8000 \
    FEEDBACK_AI_DATABASE_URL=sqlite:////app/var/feedback.db \
    FEEDBACK_AI_MODELS_DIR=/app/var/models
WORKDIR /app
USER app
VOLUME ["/app/var"]
EXPOSE 8000
# The probe behind `feedback-ai healthcheck`, without the CLI's imports (seconds on a busy host).
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-m", "feedback_ai.ops.probe"]
CMD ["feedback-ai", "serve", "--default-model", "/app/default-model/default"]
