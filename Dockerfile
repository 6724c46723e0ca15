# TokenManager in a container: a static binary on a distroless base, run
# as a non-root user, its store and keys in the /data volume.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t tokenmanager .
#   docker run -d --name tm -p 8080:8080 -v tm-data:/data tokenmanager --admins alice
#   docker exec tm /tokenmanager cancel-user bob

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/tokenmanager ./cmd/tokenmanager \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tokenmanager /tokenmanager
# An empty /data owned by the non-root user, so a new volume gets its owner.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
# Every command reads these, so `docker exec tm /tokenmanager …` finds the
# store and the admin socket too.
ENV TOKENMANAGER_DATA_DIR=/data \
    TOKENMANAGER_ADDR=:8080
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/tokenmanager", "healthcheck"]
ENTRYPOINT ["/tokenmanager", "serve", "--data-dir", "/data"]
