# Arcadia: one image for every role (web, worker, beat, migrate, simulator); the
# command decides which. Build: docker compose build. Run: docker compose up.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # Every process imports the source tree in /app (not the installed copy in
    # site-packages), so BASE_DIR, STATIC_ROOT and manage.py all agree on one tree.
    PYTHONPATH=/app

WORKDIR /app

COPY . .
# Installs Arcadia and its runtime dependencies (pyproject.toml); psycopg[binary] ships
# its own libpq, so the slim image needs no compiler or system packages.
RUN pip install . \
    # Static files are baked in at build time and served by WhiteNoise; the build needs
    # no database, no Redis and no real SECRET_KEY.
    && python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin arcadia

USER arcadia

EXPOSE 8000

CMD ["gunicorn", "arcadia.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--error-logfile", "-"]
