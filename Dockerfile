# Production image: gunicorn serving run:app as a non-root user.
# Set DATABASE_URL to your PostgreSQL; without it the embedded server runs under /app/instance
# (mount a volume there to keep its data).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    FLASK_APP=run.py \
    MSSP_ENV=production \
    MSSP_BIND=0.0.0.0:8080 \
    MSSP_INSTANCE_DIR=/app/instance

WORKDIR /app
RUN useradd --create-home --uid 10001 mssp
COPY requirements.txt .
RUN pip install -r requirements.txt
# The optional PDF engine of client reports (docs/reports.md): Debian's Chromium, driven by
# Playwright. Without it HTML and CSV reports work and the PDF link says what to install.
ARG WITH_PDF=0
RUN if [ "$WITH_PDF" = "1" ]; then \
      apt-get update && apt-get install -y --no-install-recommends chromium && rm -rf /var/lib/apt/lists/*; \
    fi
COPY --chown=mssp:mssp . .
RUN mkdir -p /app/instance && chown mssp:mssp /app/instance

USER mssp
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/health').status != 200)"
ENTRYPOINT ["./docker-entrypoint.sh"]
# One image, every role (deploy/docker-compose.yml, deploy/helm/mssp, docs/deployment.md):
#   web:        the default command below (gunicorn)
#   scheduler:  flask mssp scheduler  (one leads by a PostgreSQL advisory lock, others wait)
#   worker:     flask mssp worker     (runs the queued jobs; any number, on any host)
#   migrate:    flask db upgrade && flask mssp init  (once, before the others start)
# With MSSP_SCHEDULER_WORKERS > 0 (the default, 2) the scheduler also runs the jobs itself, so
# one container of each of web and scheduler is a whole installation; set it to 0 when worker
# containers run. All need the same DATABASE_URL and MSSP_ENCRYPTION_KEYS.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "run:app"]
