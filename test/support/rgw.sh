#!/usr/bin/env bash
# Throw-away, strict S3 server for integration tests: a one-node Ceph cluster
# (one mon, one memstore osd, no mgr) plus a RADOS Gateway, all on 127.0.0.1.
#
#   rgw.sh start DIR   create the cluster with all state/logs/sockets/pids in DIR,
#                      wait for the S3 endpoint, create an S3 user and print ONE
#                      JSON line on stdout:
#                      {"endpoint":"http://127.0.0.1:PORT","accessKeyId":"...",
#                       "secretAccessKey":"...","region":"us-east-1"}
#   rgw.sh stop DIR    kill only the daemons recorded in DIR, then remove DIR.
#
# Environment (all optional):
#   RGW_PORT, MON_PORT     fixed ports instead of free ones picked at random
#   RGW_START_TIMEOUT      seconds to wait for the S3 endpoint (default 60)
#   RGW_OWNER_PID          if set, a watchdog stops the cluster once that process
#                          has exited (guards against a crashed test runner)
#
# Needs the Debian packages: ceph-mon ceph-osd ceph-common radosgw (Ceph 16.2).
# Diagnostics go to stderr; stdout carries only the JSON line.
set -euo pipefail

# Letters and digits only, like an AWS key: DynamoDB Local refuses other access keys, and the
# deployed-stack rehearsal gives its functions this one credential for both servers.
ACCESS_KEY="AKIARGWTEST0000000001"
SECRET_KEY="rgwTestSecretKey0000000000000000000000001"
REGION="us-east-1"
RGW_NAME="client.rgw.test"

log() { printf 'rgw.sh: %s\n' "$*" >&2; }
die() { printf 'rgw.sh: %s\n' "$*" >&2; exit 1; }
now_ms() { local t=${EPOCHREALTIME//[.,]/}; echo $((t / 1000)); }

usage() { die "usage: rgw.sh start|stop DIR"; }

# --- ports --------------------------------------------------------------------

# A port is taken if something accepts a TCP connection on it.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Pick a random base port such that base..base+count-1 are all free.
free_ports() {
  local count=$1 tries=0 base i ok
  while ((tries < 200)); do
    tries=$((tries + 1))
    base=$((20000 + (RANDOM * 32768 + RANDOM) % 30000))
    ok=1
    for ((i = 0; i < count; i++)); do
      if port_in_use $((base + i)); then ok=0; break; fi
    done
    if ((ok)); then echo "$base"; return 0; fi
  done
  return 1
}

# --- stop ---------------------------------------------------------------------

# Is PID alive and one of ours (its command line names our DIR)?
our_pid() {
  local pid=$1 dir=$2
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir"
}

do_stop() {
  local dir=$1 f pid pids=() deadline
  [[ -d "$dir" ]] || { log "stop: $dir does not exist, nothing to do"; return 0; }
  dir=$(cd "$dir" && pwd -P)

  # Stop the watchdog first (unless we are the watchdog).
  if [[ -z "${RGW_FROM_WATCHDOG:-}" && -f "$dir/pids/watchdog.pid" ]]; then
    pid=$(<"$dir/pids/watchdog.pid")
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi

  for f in "$dir"/pids/radosgw.pid "$dir"/pids/ceph-osd.pid "$dir"/pids/ceph-mon.pid; do
    [[ -f "$f" ]] || continue
    pid=$(<"$f")
    if our_pid "$pid" "$dir"; then pids+=("$pid"); fi
  done

  if ((${#pids[@]})); then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    # radosgw needs 5-10 s for a clean shutdown; this cluster is throw-away.
    deadline=$(($(now_ms) + 2000))
    while (($(now_ms) < deadline)); do
      local alive=0
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      ((alive)) || break
      sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true; done
    # Wait until they are really gone (zombies of a dead parent are reaped by init).
    deadline=$(($(now_ms) + 5000))
    while (($(now_ms) < deadline)); do
      local alive=0
      for pid in "${pids[@]}"; do our_pid "$pid" "$dir" && alive=1; done
      ((alive)) || break
      sleep 0.05
    done
  fi
  rm -rf -- "$dir"
}

# --- start --------------------------------------------------------------------

tail_logs() {
  local dir=$1 f
  for f in "$dir"/log/*; do
    [[ -s "$f" ]] || continue
    printf '\n----- %s (last 25 lines) -----\n' "$f" >&2
    tail -n 25 "$f" >&2 || true
  done
}

do_start() {
  local dir=$1 t0 timeout deadline bin
  for bin in radosgw ceph-mon ceph-osd ceph monmaptool radosgw-admin; do
    command -v "$bin" >/dev/null 2>&1 ||
      die "$bin not found on PATH; install: apt-get install -y --no-install-recommends ceph-mon ceph-osd ceph-common radosgw uuid-runtime"
  done
  t0=$(now_ms)
  timeout=${RGW_START_TIMEOUT:-60}

  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd -P)
  [[ -z "$(ls -A "$dir/pids" 2>/dev/null)" ]] || die "$dir already holds a cluster (pids/ not empty)"
  mkdir -p "$dir"/{pids,log,run,mon,osd,rgw,tmp}

  # On any failure from here on: show logs, kill what we started, keep DIR for inspection.
  local ok=0
  cleanup_on_fail() {
    ((ok)) && return 0
    tail_logs "$dir"
    local f pid
    for f in "$dir"/pids/*.pid; do
      [[ -f "$f" ]] || continue
      pid=$(<"$f")
      [[ "$pid" =~ ^[0-9]+$ ]] && kill -KILL "$pid" 2>/dev/null || true
    done
    log "start failed; state and logs left in $dir (remove with: rgw.sh stop $dir)"
  }
  trap cleanup_on_fail EXIT

  local mon_port rgw_port ms_min ms_max
  if [[ -n "${MON_PORT:-}" ]]; then mon_port=$MON_PORT; else mon_port=$(free_ports 1) || die "no free port for the mon"; fi
  if [[ -n "${RGW_PORT:-}" ]]; then rgw_port=$RGW_PORT; else rgw_port=$(free_ports 1) || die "no free port for radosgw"; fi
  port_in_use "$mon_port" && die "MON_PORT $mon_port is already in use"
  port_in_use "$rgw_port" && die "RGW_PORT $rgw_port is already in use"
  # The osd binds 4 messenger ports (public, cluster, hb back/front); give it a free block.
  ms_min=$(free_ports 12) || die "no free port range for the osd"
  ms_max=$((ms_min + 11))

  local fsid osd_uuid conf
  fsid=$(cat /proc/sys/kernel/random/uuid)
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  conf="$dir/ceph.conf"

  cat >"$conf" <<EOF
[global]
fsid = $fsid
mon_initial_members = a
mon_host = [v1:127.0.0.1:$mon_port]
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_ipv6 = false
ms_bind_msgr1 = true
ms_bind_msgr2 = false
ms_bind_port_min = $ms_min
ms_bind_port_max = $ms_max
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
auth_supported = none
run_dir = $dir/run
admin_socket = $dir/run/\$name.asok
pid_file = $dir/run/\$name.pid
log_file = $dir/log/\$name.log
log_to_stderr = false
err_to_stderr = true
mon_cluster_log_file = $dir/log/cluster.log
crash_dir = $dir/tmp
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_max_pg_per_osd = 1000

[mon]
mon_data = $dir/mon/\$cluster-\$id
paxos_propose_interval = 0.05
paxos_min_wait = 0.01
mon_allow_pool_delete = true
mon_data_avail_warn = 1
mon_data_avail_crit = 0

[osd]
osd_data = $dir/osd/\$cluster-\$id
osd_objectstore = memstore
memstore_device_bytes = ${RGW_MEMSTORE_BYTES:-536870912}
osd_crush_update_on_start = false
osd_class_update_on_start = false

[$RGW_NAME]
rgw_data = $dir/rgw
rgw_frontends = beast endpoint=127.0.0.1:$rgw_port
rgw_thread_pool_size = 64
EOF

  # --- mon
  monmaptool --create --clobber --fsid "$fsid" --addv a "[v1:127.0.0.1:$mon_port]" "$dir/monmap" \
    >"$dir/log/monmaptool.out" 2>&1 || die "monmaptool failed: $(tail -n 3 "$dir/log/monmaptool.out")"
  ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" >"$dir/log/mon-mkfs.out" 2>&1 ||
    die "ceph-mon --mkfs failed: $(tail -n 3 "$dir/log/mon-mkfs.out")"
  ceph-mon -c "$conf" -f -i a </dev/null >"$dir/log/ceph-mon.out" 2>&1 &
  echo $! >"$dir/pids/ceph-mon.pid"

  # --- osd (the ceph CLI waits for the mon to come up)
  local osd_id
  osd_id=$(timeout "$timeout" ceph -c "$conf" --connect-timeout "$timeout" osd new "$osd_uuid" 2>"$dir/log/ceph-cli.err") ||
    die "'ceph osd new' failed (mon not reachable?)"
  [[ "$osd_id" =~ ^[0-9]+$ ]] || die "'ceph osd new' returned '$osd_id'"
  mkdir -p "$dir/osd/ceph-$osd_id"
  ceph-osd -c "$conf" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >"$dir/log/osd-mkfs.out" 2>&1 ||
    die "ceph-osd --mkfs failed: $(tail -n 3 "$dir/log/osd-mkfs.out")"
  timeout 30 ceph -c "$conf" osd crush add "osd.$osd_id" 1.0 root=default host=localhost \
    >>"$dir/log/ceph-cli.err" 2>&1 || die "'ceph osd crush add' failed"
  ceph-osd -c "$conf" -f -i "$osd_id" </dev/null >"$dir/log/ceph-osd.out" 2>&1 &
  echo $! >"$dir/pids/ceph-osd.pid"

  # --- radosgw (creates its pools on first start; waits for the osd by itself)
  radosgw -c "$conf" -n "$RGW_NAME" -f </dev/null >"$dir/log/radosgw.out" 2>&1 &
  echo $! >"$dir/pids/radosgw.pid"

  # --- wait for the S3 endpoint: any HTTP status line counts
  deadline=$(($(now_ms) + timeout * 1000))
  local name pid status=""
  while :; do
    for name in ceph-mon ceph-osd radosgw; do
      pid=$(<"$dir/pids/$name.pid")
      kill -0 "$pid" 2>/dev/null || die "$name (pid $pid) exited during start-up"
    done
    status=$( (exec 3<>"/dev/tcp/127.0.0.1/$rgw_port" &&
      printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 &&
      timeout 2 head -n 1 <&3) 2>/dev/null || true)
    [[ "$status" == HTTP/* ]] && break
    (($(now_ms) < deadline)) || die "S3 endpoint http://127.0.0.1:$rgw_port did not answer within ${timeout}s"
    sleep 0.1
  done

  # --- S3 user with fixed keys
  timeout 30 radosgw-admin -c "$conf" -n client.admin user create --uid test --display-name "test user" \
    --access-key "$ACCESS_KEY" --secret-key "$SECRET_KEY" >"$dir/log/user-create.out" 2>&1 ||
    die "radosgw-admin user create failed: $(tail -n 3 "$dir/log/user-create.out")"

  # --- watchdog: stop the cluster once the owner process is gone
  if [[ -n "${RGW_OWNER_PID:-}" ]]; then
    local self
    self=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/$(basename "${BASH_SOURCE[0]}")
    (
      trap - EXIT
      while kill -0 "$RGW_OWNER_PID" 2>/dev/null && [[ -d "$dir" ]]; do sleep 1; done
      [[ -d "$dir" ]] && RGW_FROM_WATCHDOG=1 bash "$self" stop "$dir"
    ) </dev/null >"$dir/log/watchdog.out" 2>&1 &
    echo $! >"$dir/pids/watchdog.pid"
  fi

  ok=1
  trap - EXIT
  log "ready in $(($(now_ms) - t0)) ms: endpoint http://127.0.0.1:$rgw_port, mon 127.0.0.1:$mon_port, dir $dir"
  printf '{"endpoint":"http://127.0.0.1:%s","accessKeyId":"%s","secretAccessKey":"%s","region":"%s"}\n' \
    "$rgw_port" "$ACCESS_KEY" "$SECRET_KEY" "$REGION"
}

# --- main ---------------------------------------------------------------------

[[ $# -eq 2 ]] || usage
case "$1" in
  start) do_start "$2" ;;
  stop) do_stop "$2" ;;
  *) usage ;;
esac
