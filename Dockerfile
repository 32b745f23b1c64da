# peacemap service image for a mission server. The database is an external
# PostGIS (see docker-compose.yml): PEACEMAP_DATABASE_URL is required here,
# the embedded cluster is for laptops and CI.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PEACEMAP_HOST=0.0.0.0 PEACEMAP_PORT=8000

# Node/npm fetch the map's JavaScript assets at build time (frontend/install_assets.sh).
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY api ./api
COPY geo ./geo
COPY layers ./layers
COPY frontend ./frontend
COPY alembic ./alembic
# compileall: the image's bytecode, made once here (PYTHONDONTWRITEBYTECODE and an editable
# install write none), so a start does not compile every module again (bench/README.md, "Cold start").
RUN pip install -e . \
 && python -m compileall -q api geo layers frontend \
 && pybabel compile -d geo/locale \
 && if [ -x frontend/install_assets.sh ]; then bash frontend/install_assets.sh; fi \
 && useradd --system --uid 10001 peacemap
USER peacemap

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
# Migrate, then serve. Create keys with: docker compose exec app peacemap keys create --role editor --name NAME
CMD ["sh", "-c", "peacemap db migrate && peacemap serve"]
