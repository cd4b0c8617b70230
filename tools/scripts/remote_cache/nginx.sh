#!/usr/bin/env bash
# tools/scripts/remote_cache/nginx.sh: a throwaway Bazel HTTP remote cache on this
# machine, nginx with its WebDAV module (the setup Bazel's remote-caching
# documentation describes), listening on 127.0.0.1 only.
#
#   tools/scripts/remote_cache/nginx.sh install        apt-get install nginx, if missing
#   tools/scripts/remote_cache/nginx.sh start DIR      start a cache kept in DIR; prints its URL
#   tools/scripts/remote_cache/nginx.sh stop DIR       stop the cache started in DIR
#   tools/scripts/remote_cache/nginx.sh status DIR     URL, pid and size of the cache in DIR
#
# DIR holds everything: nginx.conf, the pid file, logs, temp files and the
# cache itself (DIR/data/{ac,cas}/...). Use a temporary or cache folder, never
# the repository. The port is PLUGKIT_CACHE_PORT, or the first free one from
# 28080 up. Use the URL as `--config=remote --remote_cache=URL`, or write
# `build:remote --remote_cache=URL` into user.bazelrc (README.md, "Remote cache").
set -euo pipefail

say() { printf 'remote_cache: %s\n' "$*" >&2; }
die() {
	printf 'remote_cache: error: %s\n' "$*" >&2
	exit 1
}

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

# install: nginx from this machine's own apt sources (Debian's package has the
# WebDAV module built in). apt-get reads the mirror from /etc/apt/sources*, so
# no registry host is named here.
install_nginx() {
	if command -v nginx >/dev/null 2>&1; then
		return 0
	fi
	command -v apt-get >/dev/null || die "no nginx and no apt-get: install nginx (with http_dav_module) by hand"
	[[ $(id -u) == 0 ]] || die "installing nginx needs root: run as root, or install nginx by hand"
	local log
	log=$(mktemp "${TMPDIR:-/tmp}/plugkit-nginx-install.XXXXXX")
	say "installing nginx with apt-get (log: $log)"
	apt-get update >"$log" 2>&1 || die "apt-get update failed (see $log): check the apt sources and network"
	# The package's postinst may try to start the distribution's own nginx on
	# port 80; policy-rc.d (containers) or a later `systemctl disable` decide
	# that, not this script, which never uses the system service.
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx >>"$log" 2>&1 ||
		die "apt-get install nginx failed (see $log)"
	rm -f "$log"
}

nginx_bin() {
	local bin
	bin=$(command -v nginx 2>/dev/null || true)
	[[ -z $bin && -x /usr/sbin/nginx ]] && bin=/usr/sbin/nginx
	[[ -n $bin ]] || die "nginx is not installed: run '$0 install'"
	"$bin" -V 2>&1 | grep -q -- --with-http_dav_module ||
		die "$bin has no WebDAV module (http_dav_module); install Debian's nginx package"
	printf '%s\n' "$bin"
}

port_free() {
	# Nothing listens on 127.0.0.1:$1 (bash's /dev/tcp connects or fails).
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

write_conf() {
	local dir=$1 port=$2 user_line=""
	if [[ $(id -u) == 0 ]]; then
		# nginx started as root hands its workers to "nobody", who cannot reach
		# a DIR under a private (0700) temporary folder; keep them as the
		# caller. The server only listens on 127.0.0.1 and serves DIR/data.
		user_line="user $(id -un) $(id -gn);"
	fi
	cat >"$dir/nginx.conf" <<CONF
# Written by tools/scripts/remote_cache/nginx.sh: a Bazel HTTP cache (WebDAV PUT/GET).
$user_line
daemon on;
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 512; }
http {
    access_log $dir/access.log;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    sendfile on;
    server {
        listen 127.0.0.1:$port;
        root $dir/data;
        # Bazel PUTs /ac/<sha256> and /cas/<sha256>; blobs can be large.
        client_max_body_size 4g;
        client_body_buffer_size 1m;
        location / {
            dav_methods PUT;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
            # A miss is a normal answer (404), not an error worth logging.
            log_not_found off;
        }
    }
}
CONF
}

running_pid() {
	local dir=$1 pid
	[[ -f $dir/nginx.pid ]] || return 1
	pid=$(<"$dir/nginx.pid")
	[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
	printf '%s\n' "$pid"
}

start() {
	local dir=$1 bin port pid
	bin=$(nginx_bin)
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd -P)
	if pid=$(running_pid "$dir"); then
		cat "$dir/url"
		return 0
	fi
	mkdir -p "$dir/data" "$dir/tmp"
	port=${PLUGKIT_CACHE_PORT:-28080}
	local tries=0
	while ! port_free "$port"; do
		[[ -z ${PLUGKIT_CACHE_PORT:-} ]] || die "port $port is in use (PLUGKIT_CACHE_PORT)"
		((++tries < 100)) || die "no free port from 28080 to $port"
		port=$((port + 1))
	done
	write_conf "$dir" "$port"
	"$bin" -t -q -e "$dir/error.log" -c "$dir/nginx.conf" 2>"$dir/start.log" ||
		die "nginx rejects $dir/nginx.conf: $(tail -n 3 "$dir/start.log")"
	"$bin" -e "$dir/error.log" -c "$dir/nginx.conf" 2>>"$dir/start.log" ||
		die "nginx did not start: $(tail -n 3 "$dir/start.log")"
	for _ in $(seq 50); do
		port_free "$port" || break
		sleep 0.1
	done
	# Round trip: PUT a blob, GET it back.
	local url="http://127.0.0.1:$port"
	if command -v curl >/dev/null; then
		if ! curl -fsS -X PUT --data-binary probe "$url/probe/check" >/dev/null ||
			[[ $(curl -fsS "$url/probe/check") != probe ]]; then
			die "the cache at $url does not store blobs: see $dir/error.log"
		fi
		rm -rf "$dir/data/probe"
	fi
	printf '%s\n' "$url" >"$dir/url"
	say "cache at $url, stored in $dir/data (pid $(<"$dir/nginx.pid"))"
	printf '%s\n' "$url"
}

stop() {
	local dir=$1 pid
	if ! pid=$(running_pid "$dir"); then
		say "no cache running in $dir"
		return 0
	fi
	kill -QUIT "$pid" # nginx: graceful shutdown
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -TERM "$pid"
	rm -f "$dir/url"
	say "stopped the cache in $dir (pid $pid)"
}

status() {
	local dir=$1 pid
	if pid=$(running_pid "$dir"); then
		printf 'url %s\npid %s\nsize %s\nentries ac=%s cas=%s\n' "$(cat "$dir/url")" "$pid" \
			"$(du -sh "$dir/data" | cut -f1)" \
			"$(find "$dir/data/ac" -type f 2>/dev/null | wc -l)" \
			"$(find "$dir/data/cas" -type f 2>/dev/null | wc -l)"
	else
		echo "stopped"
		return 3
	fi
}

case ${1:-} in
install) install_nginx ;;
start | stop | status)
	[[ -n ${2:-} ]] || die "usage: $0 $1 DIR"
	"$1" "$2"
	;;
-h | --help | help) usage ;;
*)
	usage >&2
	exit 2
	;;
esac
