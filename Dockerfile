# syntax=docker/dockerfile:1
#
# chatbot-socket: one binary (`chatbot`) serving the web app, the REST API, Socket.IO and
# /metrics. See docs/operations.md.
#
#   docker build -t chatbot-socket:local .
#   docker run --rm -p 3000:3000 -v chatbot-data:/data chatbot-socket:local
#
# Stage 1 builds the web app, stage 2 the server (which embeds web/dist at compile time), stage 3
# is the runtime: distroless (glibc and CA certificates, no shell, no package manager), running as
# the unprivileged user nonroot (65532). SQLite is compiled in and TLS is rustls, so the binary
# needs nothing else from the image. `scripts/check-deploy.sh` (part of `make test`) lints this
# file with hadolint.

# --- 1. the web app (React + Vite) into /src/web/dist ------------------------------------------
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
# Dependencies first: this layer is reused until package-lock.json changes.
COPY web/package.json web/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# --- 2. the server, with the web app embedded ----------------------------------------------------
FROM rust:1.95-bookworm AS build
WORKDIR /src
# The workspace patches crates from vendor/ ([patch.crates-io] in Cargo.toml), so vendor/ is
# part of the build context; crates/web embeds ../../web/dist through rust-embed.
COPY Cargo.toml Cargo.lock ./
# .cargo/config.toml sets the bundled SQLite's build flags (decision 027).
COPY .cargo/ .cargo/
COPY vendor/ vendor/
COPY crates/ crates/
COPY --from=web /src/web/dist/ web/dist/
# The registry and the target directory live in BuildKit cache mounts (kept between builds, not
# in the image), so the binary is copied out of the target directory before the step ends.
# /out/data becomes the runtime's /data, owned by nonroot.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked --bin chatbot \
    && install -D -m 0755 target/release/chatbot /out/chatbot \
    && install -d -m 0750 /out/data

# --- 3. runtime ----------------------------------------------------------------------------------
FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="chatbot-socket" \
      org.opencontainers.image.description="Real-time AI chat server: web app, REST API, Socket.IO and Prometheus metrics in one binary" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="gcr.io/distroless/cc-debian12:nonroot"

COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build /out/chatbot /usr/local/bin/chatbot

# Every name here is a setting of crates/config/src/settings.rs (checked by
# scripts/check_deploy_env.py). Without DATABASE_URL overridden the server keeps a SQLite file
# and its generated JWT secret in the /data volume.
ENV LISTEN_ADDR=0.0.0.0:3000 \
    CHATBOT_DATA_DIR=/data \
    DATABASE_URL=sqlite:///data/chatbot.db \
    LOG_FORMAT=json

USER 65532:65532
VOLUME ["/data"]
EXPOSE 3000

# distroless has no shell and no curl: the binary checks itself (GET /healthz on the configured
# listen address; exit 0 on 200, 1 otherwise).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/chatbot", "healthcheck"]

ENTRYPOINT ["/usr/local/bin/chatbot"]
CMD ["serve"]
