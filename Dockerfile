# provd container image: a build stage with Debian 12's toolchain and -dev packages, and a slim
# runtime stage with only the shared libraries. The same packages as deploy/install-deps.sh.
FROM debian:12-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config ca-certificates \
      libmicrohttpd-dev libjansson-dev libpq-dev libssl-dev libsodium-dev libsecp256k1-dev libcurl4-openssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY service/ service/
COPY clients/js/src/shared/ clients/js/src/shared/
COPY sql/ sql/
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DPROVD_TESTS=OFF \
 && cmake --build build -j"$(nproc)" \
 && strip build/provd

FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libmicrohttpd12 libjansson4 libpq5 libssl3 libsodium23 libsecp256k1-1 libcurl4 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin provd \
 && mkdir -p /var/lib/provd && chown provd: /var/lib/provd
COPY --from=build /src/build/provd /usr/local/bin/provd
USER provd
ENV PROVD_LISTEN=0.0.0.0:8080
EXPOSE 8080
# The image has no curl: provd health GETs /readyz on the port of PROVD_LISTEN (or of
# PROVD_METRICS_LISTEN) over loopback, which the rate limits exempt by default. A `provd worker`
# container serves no HTTP: turn it off there (compose: healthcheck: disable: true; docker run
# --no-healthcheck).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/provd", "health", "--timeout", "3000"]
ENTRYPOINT ["/usr/local/bin/provd"]
CMD ["serve"]
