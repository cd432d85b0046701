#!/usr/bin/env bash
# A local three-broker Kafka cluster (KRaft, each JVM broker+controller) for the scale-out tests.
#
#   cluster.sh start        start all three nodes (idempotent: nodes that answer are left alone)
#   cluster.sh stop         stop all nodes and delete the cluster's data
#   cluster.sh kill N       SIGKILL node N (1-3), keeping its data, once the other two answer (two tests
#                           killing different nodes at once would take the quorum and min.insync.replicas)
#   cluster.sh restart N    start node N again on its data
#   cluster.sh brokers      print the bootstrap list (host:port,host:port,host:port)
#
# It runs beside the single broker of start.sh (other ports, its own data directory), sized for a
# 2-core machine: -Xmx384m and SerialGC per node. Topics default to replication factor 3 with
# min.insync.replicas=2, so one node may die without losing an acknowledged record.
#
# Environment:
#   KAFKA_CLUSTER_PORT_BASE   client ports BASE+1..BASE+3, controllers BASE+11..BASE+13 (default 19090)
#   KAFKA_START_TIMEOUT       seconds to wait for a node (default 90)
#
# State lives in infra/kafka/.run-cluster/ (gitignored): node-N.pid, node-N.log, data-dir.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN_DIR="$HERE/.run-cluster"
HOST=127.0.0.1
BASE="${KAFKA_CLUSTER_PORT_BASE:-19090}"
TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
NODES=(1 2 3)

log() { echo "kafka-cluster: $*" >&2; }
fail() { log "$*"; exit 1; }
client_port() { echo $((BASE + $1)); }
controller_port() { echo $((BASE + 10 + $1)); }
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
brokers() {
  local list=() n
  for n in "${NODES[@]}"; do list+=("$HOST:$(client_port "$n")"); done
  (IFS=,; echo "${list[*]}")
}

pid_is_node() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'
}

data_dir() { cat "$RUN_DIR/data-dir"; }

write_config() {
  local dir="$1" cluster_id="$2" n voters=()
  for n in "${NODES[@]}"; do voters+=("$n@$HOST:$(controller_port "$n")"); done
  for n in "${NODES[@]}"; do
    mkdir -p "$dir/node-$n"
    cat >"$dir/node-$n/server.properties" <<EOF
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$(IFS=,; echo "${voters[*]}")
listeners=PLAINTEXT://$HOST:$(client_port "$n"),CONTROLLER://$HOST:$(controller_port "$n")
advertised.listeners=PLAINTEXT://$HOST:$(client_port "$n")
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/node-$n/logs
metadata.log.dir=$dir/node-$n/metadata

auto.create.topics.enable=false
num.partitions=4
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0
unclean.leader.election.enable=false

num.network.threads=2
num.io.threads=2
background.threads=2
num.recovery.threads.per.data.dir=1
num.replica.fetchers=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=8388608
log.segment.bytes=67108864
EOF
    java "${TOOL_OPTS[@]}" -cp "$CP" kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$dir/node-$n/server.properties" >"$dir/node-$n/format.log" 2>&1 ||
      { cat "$dir/node-$n/format.log" >&2; fail "could not format node $n"; }
  done
}

launch() {
  local n="$1" dir
  dir="$(data_dir)"
  if [[ -f "$RUN_DIR/node-$n.pid" ]] && pid_is_node "$(cat "$RUN_DIR/node-$n.pid")"; then
    log "node $n already running"
    return
  fi
  nohup java -Xms128m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    "-Dlog4j.configuration=file:$dir/log4j.properties" "-Dkafka.logs.dir=$dir/node-$n" \
    -cp "$CP" kafka.Kafka "$dir/node-$n/server.properties" >>"$RUN_DIR/node-$n.log" 2>&1 </dev/null 9>&- &
  echo $! >"$RUN_DIR/node-$n.pid"
}

wait_ready() {
  local n deadline=$((SECONDS + TIMEOUT))
  for n in "$@"; do
    until port_open "$(client_port "$n")"; do
      pid_is_node "$(cat "$RUN_DIR/node-$n.pid")" || { tail -n 30 "$RUN_DIR/node-$n.log" >&2; fail "node $n exited during start-up"; }
      ((SECONDS < deadline)) || { tail -n 30 "$RUN_DIR/node-$n.log" >&2; fail "node $n not ready after ${TIMEOUT}s"; }
      sleep 0.5
    done
  done
}

stop_node() {
  local n="$1" signal="$2" pid
  [[ -f "$RUN_DIR/node-$n.pid" ]] || return 0
  pid="$(cat "$RUN_DIR/node-$n.pid")"
  if pid_is_node "$pid"; then
    kill "-$signal" "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN_DIR/node-$n.pid"
}

resolve_classpath() {
  # start.sh resolves and caches the jars; reuse its cache (it needs no broker to be started for it).
  local cp_file="$HERE/.run/classpath.txt"
  if [[ ! -s "$cp_file" || ! "$cp_file" -nt "$HERE/pom.xml" ]]; then
    command -v mvn >/dev/null 2>&1 || fail "mvn not found on PATH (Maven fetches the Kafka jars)"
    mkdir -p "$HERE/.run"
    mvn -B -q -Dstyle.color=never -f "$HERE/pom.xml" dependency:build-classpath \
      -Dmdep.outputFile="$cp_file" >"$RUN_DIR/mvn.log" 2>&1 </dev/null || fail "mvn could not resolve the Kafka jars (see $RUN_DIR/mvn.log)"
  fi
  CP="$(cat "$cp_file")"
}

mkdir -p "$RUN_DIR"
case "${1:-}" in
  brokers) brokers ;;
  start)
    exec 9>"$RUN_DIR/start.lock"
    flock -w $((TIMEOUT + 300)) 9 || fail "timed out waiting for another cluster.sh start"
    all_up=true
    for n in "${NODES[@]}"; do port_open "$(client_port "$n")" || all_up=false; done
    if [[ "$all_up" == true ]]; then log "cluster already running at $(brokers)"; brokers; exit 0; fi
    command -v java >/dev/null 2>&1 || fail "java not found on PATH (Java 17+ is required)"
    resolve_classpath
    TOOL_OPTS=(-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dlog4j.configuration=file:/dev/null)
    if [[ ! -f "$RUN_DIR/data-dir" || ! -d "$(data_dir)" ]]; then
      dir="$(mktemp -d "${TMPDIR:-/tmp}/xp-kafka-cluster.XXXXXX")"
      echo "$dir" >"$RUN_DIR/data-dir"
      printf 'log4j.rootLogger=WARN, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\nlog4j.appender.stdout.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stdout.layout.ConversionPattern=[%%d] %%p %%m (%%c)%%n\nlog4j.logger.kafka.server.KafkaServer=INFO\n' >"$dir/log4j.properties"
      write_config "$dir" "$(java "${TOOL_OPTS[@]}" -cp "$CP" kafka.tools.StorageTool random-uuid)"
    fi
    for n in "${NODES[@]}"; do launch "$n"; done
    wait_ready "${NODES[@]}"
    log "cluster ready at $(brokers) (data $(data_dir))"
    brokers
    ;;
  kill)
    [[ "${2:-}" =~ ^[123]$ ]] || fail "usage: cluster.sh kill 1|2|3"
    exec 8>"$RUN_DIR/kill.lock"
    flock -w "$TIMEOUT" 8 || fail "timed out waiting for another cluster.sh kill"
    deadline=$((SECONDS + TIMEOUT))
    for n in "${NODES[@]}"; do
      [[ "$n" == "$2" ]] && continue
      until port_open "$(client_port "$n")"; do
        ((SECONDS < deadline)) || fail "node $n has not answered for ${TIMEOUT}s; not killing node $2 as well"
        sleep 0.5
      done
    done
    stop_node "$2" KILL
    log "node $2 killed"
    ;;
  restart)
    [[ "${2:-}" =~ ^[123]$ ]] || fail "usage: cluster.sh restart 1|2|3"
    resolve_classpath
    launch "$2"
    wait_ready "$2"
    log "node $2 running again"
    ;;
  stop)
    for n in "${NODES[@]}"; do stop_node "$n" TERM; done
    if [[ -f "$RUN_DIR/data-dir" ]]; then
      dir="$(data_dir)"
      [[ "$(basename "$dir")" == xp-kafka-cluster.* && -d "$dir" ]] && rm -rf "$dir"
      rm -f "$RUN_DIR/data-dir" "$RUN_DIR/started-by-tests"
    fi
    log "cluster stopped"
    ;;
  *) fail "usage: cluster.sh start|stop|kill N|restart N|brokers" ;;
esac
