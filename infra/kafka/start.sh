#!/usr/bin/env bash
# Start a single-node Kafka broker (KRaft, broker+controller in one JVM) for tests and CI.
#
# Idempotent: if something already answers on 127.0.0.1:$KAFKA_PORT, it is left alone.
# Otherwise the broker jars are resolved with Maven (cached in ~/.m2), a fresh data
# directory is created with mktemp, storage is formatted and the broker is started in
# the background. The script returns once the broker reports "Kafka Server started".
#
# Environment:
#   KAFKA_PORT             client listener port      (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port      (default 9093)
#   KAFKA_START_TIMEOUT    seconds to wait for ready  (default 90)
#
# State lives in infra/kafka/.run/ (gitignored): broker.pid, broker.log, data-dir,
# port, classpath.txt. One broker per checkout. Stop the broker with infra/kafka/stop.sh.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN_DIR="$HERE/.run"
POM="$HERE/pom.xml"
CP_FILE="$RUN_DIR/classpath.txt"
PID_FILE="$RUN_DIR/broker.pid"
LOG_FILE="$RUN_DIR/broker.log"
DATA_DIR_FILE="$RUN_DIR/data-dir"
PORT_FILE="$RUN_DIR/port"

HOST=127.0.0.1
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
TIMEOUT="${KAFKA_START_TIMEOUT:-90}"

log() { echo "kafka: $*" >&2; }

LAUNCHED=false
show_log_tail() {
  if [[ -s "$LOG_FILE" ]]; then
    log "last 50 lines of $LOG_FILE:"
    tail -n 50 "$LOG_FILE" >&2 || true
  fi
}
fail() {
  [[ "$LAUNCHED" == true ]] && show_log_tail
  log "Kafka broker failed to start: $*"
  exit 1
}

port_open() {
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

pid_is_broker() {
  local pid="$1"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'
}

if port_open "$PORT"; then
  log "broker already running on $HOST:$PORT"
  exit 0
fi

mkdir -p "$RUN_DIR"

# Serialise concurrent starts (two jest runs, CI plus a developer shell, ...).
exec 9>"$RUN_DIR/start.lock"
if ! flock -w $((TIMEOUT + 300)) 9; then
  fail "timed out waiting for another start.sh to finish"
fi
if port_open "$PORT"; then
  log "broker already running on $HOST:$PORT"
  exit 0
fi

command -v java >/dev/null 2>&1 || fail "java not found on PATH (Java 17+ is required)"

# Leftovers from an earlier run (a broker that no longer answers, an old data
# directory): clean them up and start over.
if [[ -f "$PID_FILE" ]] && pid_is_broker "$(cat "$PID_FILE")"; then
  old_port="$(cat "$PORT_FILE" 2>/dev/null || true)"
  if [[ -n "$old_port" && "$old_port" != "$PORT" ]] && port_open "$old_port"; then
    fail "a broker from this checkout is already running on $HOST:$old_port (pid $(cat "$PID_FILE")); stop it with infra/kafka/stop.sh first"
  fi
  log "broker process $(cat "$PID_FILE") is not answering on $HOST:$PORT; restarting it"
fi
if [[ -f "$PID_FILE" || -f "$DATA_DIR_FILE" ]]; then
  bash "$HERE/stop.sh" 2>/dev/null
fi

# --- classpath -------------------------------------------------------------------
classpath_valid() {
  [[ -s "$CP_FILE" && "$CP_FILE" -nt "$POM" ]] || return 1
  local jar
  local IFS=':'
  for jar in $(cat "$CP_FILE"); do
    [[ -f "$jar" ]] || return 1
  done
}

if ! classpath_valid; then
  command -v mvn >/dev/null 2>&1 || fail "mvn not found on PATH (Maven is used to fetch the Kafka jars)"
  log "resolving Kafka jars with Maven (first run downloads them into ~/.m2)..."
  tmp_cp="$(mktemp "$RUN_DIR/classpath.XXXXXX")"
  if ! mvn -B -q -Dstyle.color=never -f "$POM" dependency:build-classpath \
    -Dmdep.outputFile="$tmp_cp" >"$RUN_DIR/mvn.log" 2>&1 </dev/null; then
    cat "$RUN_DIR/mvn.log" >&2 || true
    rm -f "$tmp_cp"
    fail "mvn could not resolve the Kafka dependencies (see $RUN_DIR/mvn.log)"
  fi
  mv "$tmp_cp" "$CP_FILE"
fi
CP="$(cat "$CP_FILE")"

# --- configuration -----------------------------------------------------------------
DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/xp-kafka.XXXXXX")"
echo "$DATA_DIR" >"$DATA_DIR_FILE"

cat >"$DATA_DIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT

log.dirs=$DATA_DIR/logs
metadata.log.dir=$DATA_DIR/metadata

auto.create.topics.enable=true
delete.topic.enable=true
num.partitions=4
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0

# The machine running tests is small: keep threads and buffers lean.
num.network.threads=2
num.io.threads=2
background.threads=2
num.recovery.threads.per.data.dir=1
num.replica.fetchers=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216
EOF

# Broker logging: INFO to stdout, which nohup sends to broker.log; noisy loggers at WARN.
cat >"$DATA_DIR/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n

log4j.logger.kafka.server.KafkaConfig=WARN
log4j.logger.org.apache.kafka.common.config=WARN
log4j.logger.kafka.log=WARN
log4j.logger.kafka.cluster=WARN
log4j.logger.kafka.server.ReplicaFetcherManager=WARN
log4j.logger.kafka.server.ReplicaAlterLogDirsManager=WARN
log4j.logger.org.apache.kafka.storage.internals=WARN
log4j.logger.org.apache.kafka.raft=WARN
log4j.logger.org.apache.kafka.snapshot=WARN
log4j.logger.org.apache.kafka.image=WARN
log4j.logger.org.apache.kafka.metadata=WARN
log4j.logger.org.apache.kafka.controller=WARN
log4j.logger.kafka.controller=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
log4j.logger.kafka.network.RequestChannel$=WARN
log4j.logger.org.apache.zookeeper=WARN
EOF

# Command-line tools (StorageTool): warnings only, to stderr.
cat >"$DATA_DIR/tools-log4j.properties" <<'EOF'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF

# --- format storage --------------------------------------------------------------
TOOL_OPTS=(-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "-Dlog4j.configuration=file:$DATA_DIR/tools-log4j.properties")
CLUSTER_ID="$(java "${TOOL_OPTS[@]}" -cp "$CP" kafka.tools.StorageTool random-uuid)" ||
  fail "kafka.tools.StorageTool random-uuid failed"
if ! java "${TOOL_OPTS[@]}" -cp "$CP" kafka.tools.StorageTool format \
  -t "$CLUSTER_ID" -c "$DATA_DIR/server.properties" >"$DATA_DIR/format.log" 2>&1; then
  cat "$DATA_DIR/format.log" >&2 || true
  fail "could not format KRaft storage in $DATA_DIR"
fi

# --- start -------------------------------------------------------------------------
[[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.prev"

JVM_OPTS=(
  -Xms256m -Xmx512m
  -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
  -XX:ParallelGCThreads=1 -XX:ConcGCThreads=1 -XX:+ExplicitGCInvokesConcurrent
  -Djava.awt.headless=true
  "-Dlog4j.configuration=file:$DATA_DIR/log4j.properties"
  "-Dkafka.logs.dir=$DATA_DIR"
)

log "starting broker on $HOST:$PORT (controller $HOST:$CONTROLLER_PORT, data $DATA_DIR)"
nohup java "${JVM_OPTS[@]}" -cp "$CP" kafka.Kafka "$DATA_DIR/server.properties" \
  >"$LOG_FILE" 2>&1 </dev/null 9>&- &
BROKER_PID=$!
LAUNCHED=true
echo "$BROKER_PID" >"$PID_FILE"
echo "$PORT" >"$PORT_FILE"

deadline=$((SECONDS + TIMEOUT))
while :; do
  if ! kill -0 "$BROKER_PID" 2>/dev/null; then
    wait "$BROKER_PID" 2>/dev/null && status=0 || status=$?
    bash "$HERE/stop.sh" 2>/dev/null || true
    fail "broker process exited during startup (exit status $status)"
  fi
  if grep -q 'Kafka Server started' "$LOG_FILE" 2>/dev/null && port_open "$PORT"; then
    break
  fi
  if ((SECONDS >= deadline)); then
    show_log_tail
    LAUNCHED=false
    bash "$HERE/stop.sh" 2>/dev/null || true
    fail "not ready on $HOST:$PORT after ${TIMEOUT}s"
  fi
  sleep 0.5
done

log "broker ready on $HOST:$PORT (pid $BROKER_PID, log $LOG_FILE)"
