# The example service (and its consumer) as the compose stack runs them: installed from this
# repository with the pinned dependency set, launched under opentelemetry-instrument.
FROM python:3.11.11-slim

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY src ./src
COPY instrumentors ./instrumentors
RUN python -m pip install --no-cache-dir --upgrade pip \
 && python -m pip install --no-cache-dir -c constraints.txt '.[demo]' asyncpg

USER nobody
EXPOSE 8000 9464
CMD ["opentelemetry-instrument", "hypercorn", "--bind", "0.0.0.0:8000", \
     "huleedu_otel.tools.examples.essay_service.app:app"]
