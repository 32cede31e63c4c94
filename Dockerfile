# The serving image: the service's dependencies only (no scikit-learn, pandas, MLflow or
# Spark), the shipped model store, a non-root user and a readiness health check.
FROM python:3.11-slim AS build
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY stance ./stance
COPY service ./service
COPY training ./training
COPY bench ./bench
RUN uv sync --frozen --no-dev --no-editable

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /app stance
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
COPY models ./models
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    STANCE_MODELS_DIR=/app/models
USER stance
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health/ready', timeout=2).status != 200)"]
STOPSIGNAL SIGTERM
CMD ["stance", "serve", "--host", "0.0.0.0", "--port", "8000"]
