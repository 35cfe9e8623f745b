# paperbot: one small container on a small VM. Build: docker build -t paperbot .
# Run:   docker run -d --name paperbot -v paperbot-data:/data \
#          -e SLACK_BOT_TOKEN -e SLACK_APP_TOKEN -e OPENAI_API_KEY paperbot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PAPERBOT_DB=/data/paperbot.db \
    PAPERBOT_CONFIG=/app/config.toml

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN pip install ".[chart]" && useradd --create-home --uid 10001 paperbot && mkdir /data && chown paperbot /data
COPY config.toml ./config.toml

USER paperbot
VOLUME ["/data"]
# HTTP mode for Slack listens here (Socket Mode needs no port).
EXPOSE 3000
ENTRYPOINT ["paperbot"]
CMD ["run"]
