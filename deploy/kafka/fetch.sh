#!/usr/bin/env bash
# Fetch the Apache Kafka broker runtime (kafka_2.13 + deps + reload4j) from
# Maven Central into deploy/kafka/lib. Idempotent: does nothing if the broker
# jar is already present. Set KAFKA_FETCH_FORCE=1 to re-download.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_VERSION="3.9.2"
LIB_DIR="$HERE/lib"
MARKER="$LIB_DIR/kafka_2.13-${KAFKA_VERSION}.jar"

if [[ -f "$MARKER" && "${KAFKA_FETCH_FORCE:-0}" != "1" ]]; then
  exit 0
fi

command -v mvn >/dev/null 2>&1 || { echo "fetch.sh: mvn not found on PATH" >&2; exit 1; }

# Download into a scratch dir and swap it in, so an interrupted fetch never
# leaves a half-populated lib/ that would later be mistaken for complete.
TMP_LIB="$(mktemp -d "$HERE/.lib.XXXXXX")"
trap 'rm -rf "$TMP_LIB"' EXIT

echo "fetch.sh: downloading kafka_2.13:${KAFKA_VERSION} runtime into $LIB_DIR ..." >&2
mvn -q -B -Dstyle.color=never -f "$HERE/pom.xml" dependency:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$TMP_LIB"

[[ -f "$TMP_LIB/kafka_2.13-${KAFKA_VERSION}.jar" ]] || { echo "fetch.sh: broker jar missing after download" >&2; exit 1; }

rm -rf "$LIB_DIR"
chmod 755 "$TMP_LIB"
mv "$TMP_LIB" "$LIB_DIR"
trap - EXIT
echo "fetch.sh: done ($(ls "$LIB_DIR" | wc -l) jars)" >&2
