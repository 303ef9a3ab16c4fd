# AIHM: one image for the web server (gunicorn), the Celery worker and Celery beat.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# gettext compiles the translations at build time; Pango, HarfBuzz and DejaVu (which covers
# Arabic) are what WeasyPrint lays out and writes the report PDF with.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 aihm \
    && useradd --system --uid 10001 --gid aihm --create-home --home-dir /home/aihm --shell /usr/sbin/nologin aihm

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so that a code change does not reinstall them.
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Static files are collected with the production storage (hashed names + manifest, which
# production serves) and translations compiled. The secrets below exist only for this step:
# the production settings refuse to load without them, and nothing here reads them.
RUN export ENVIRONMENT=production ALLOW_SINGLE_HOST=true AIHM_VAR_DIR=/tmp/build-var \
        SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
        JWT_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    && python manage.py collectstatic --noinput --verbosity 0 \
    && if ls locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then python manage.py compilemessages --verbosity 0; fi \
    && rm -rf /tmp/build-var \
    && mkdir -p /app/var \
    && chown aihm:aihm /app/var

USER aihm
ENV AIHM_VAR_DIR=/app/var \
    PORT=8000

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["python", "/app/docker/healthcheck.py"]
ENTRYPOINT ["sh", "/app/docker/entrypoint.sh"]
# Workers: WEB_CONCURRENCY (gunicorn reads it), sync workers, one per core. Measured on 2 cores
# with PostgreSQL on the same machine (bench/README.md): 2 workers answered as fast as 3, 5 were
# slower and threads (gthread, 4 a worker) halved the rate: a request is CPU-bound Python.
ENV WEB_CONCURRENCY=2
# The logger class redacts secret links (consent, invitation, password reset) from the access log.
CMD ["gunicorn", "aihm.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--logger-class", "aihm.access_log.RedactingGunicornLogger", "--timeout", "60", "--graceful-timeout", "30"]
