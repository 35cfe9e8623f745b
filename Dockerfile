# paperbot: one small container on a small VM (README "Deployment").
# Build: docker build -t paperbot .          Run: docker compose up -d   (docker-compose.yml)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PAPERBOT_DB=/data/paperbot.db \
    PAPERBOT_CONFIG=/app/config.toml \
    PAPERBOT_HEALTH_PORT=8080

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN pip install ".[chart]" && useradd --create-home --uid 10001 paperbot && mkdir /data && chown paperbot /data
COPY config.toml ./config.toml

USER paperbot
VOLUME ["/data"]
# 8080: GET /healthz and GET /metrics (every mode). 3000: Slack HTTP mode's /slack/events (Socket Mode needs none).
EXPOSE 8080 3000
# The slim image has no curl: Python asks /healthz, and urlopen fails (exit 1) on anything but 2xx.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['PAPERBOT_HEALTH_PORT'] + '/healthz', timeout=4)"]
# SIGTERM (docker stop) lets a post in progress finish within [ops] shutdown_grace_s: give docker longer.
STOPSIGNAL SIGTERM
ENTRYPOINT ["paperbot"]
CMD ["run"]
