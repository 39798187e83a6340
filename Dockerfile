# The portal's image: the web app (gunicorn) and the Celery worker run from it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY . /app

# Editable install ("pip install -e ." rather than "pip install ."): the templates/ folder and
# the Alembic migrations live in the source tree next to the package, not inside an installed
# wheel, and the app finds them relative to its source files. The portal's modules are
# compiled here: PYTHONDONTWRITEBYTECODE keeps Python from writing them at run time, so
# without this every container, worker and `lk` command would compile them again (~0.4 s).
RUN pip install -e . \
 && python -m compileall -q lk_corporate signing documents \
 && useradd --system --uid 10001 --home-dir /app lk \
 && mkdir -p /app/instance /data \
 && chown -R lk /app/instance /data

USER lk
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"

# Migrate, then serve. `exec` makes gunicorn PID 1's successor, so `docker stop` reaches it.
CMD ["sh", "-c", "lk db upgrade && exec gunicorn -w 4 -b 0.0.0.0:8000 --access-logfile - 'lk_corporate.app:create_app()'"]
