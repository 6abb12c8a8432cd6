# Configurations and start-up of the servers Benchmarks/compare.sh measures: the nginx origin, one
# nginx proxy process (proxy_cache on HTTP/1.1, h2c and TLS, plus a proxy without cache, plus the
# disk scenarios' cache), Varnish and Edge. Sourced, not run; expects `work`, the *_PORT variables and the knobs of compare.sh.
# shellcheck shell=bash disable=SC2154,SC2034  # work, ports and knobs come from compare.sh

pids=()
declare -A PID

# Starts a server in the background pinned to one core and remembers its pid under a name.
start_server() { # $1 = name, $2 = core, rest = command
    local name=$1 core=$2
    shift 2
    taskset -c "$core" "$@" >"$work/logs/$name.log" 2>&1 &
    PID[$name]=$!
    pids+=("$!")
}

# Stops one server started by start_server (and only that one).
stop_server() { # $1 = name
    local pid=${PID[$1]:-}
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset "PID[$1]"
}

stop_all() {
    local i
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}

# Generated fixtures: incompressible identity objects, a JavaScript asset of real text, a certificate.
make_fixtures() {
    mkdir -p "$work/www" "$work/cache" "$work/logs"
    chmod 755 "$work" "$work/www"
    head -c 1024 /dev/urandom >"$work/www/1k"
    head -c 16384 /dev/urandom >"$work/www/16k"
    head -c 65536 /dev/urandom >"$work/www/64k"
    head -c 262144 /dev/urandom >"$work/www/256k"
    head -c 1048576 /dev/urandom >"$work/www/1m"
    if [ -n "${ASSET:-}" ]; then
        cp "$ASSET" "$work/www/app.js"
    else
        # As Benchmarks/compression.sh does: 100 KiB of this repo's Swift sources as the text.
        (set +o pipefail; find Sources -name '*.swift' -print0 | sort -z | xargs -0 cat 2>/dev/null | head -c 102400 >"$work/www/app.js")
    fi
    chmod 644 "$work/www"/*
    JS_SIZE=$(stat -c %s "$work/www/app.js")
    UNIQUE_BODY=$(head -c "$UNIQUE_BODY_BYTES" /dev/zero | tr '\0' 'u')
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj "/CN=bench.test" \
        -addext "subjectAltName=DNS:bench.test" -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
}

nginx_conf() { # $1 = name, $2 = http block contents
    local user=""
    # As root, workers would run as nobody and could neither read the fixtures nor write the cache.
    [ "$(id -u)" = 0 ] && user="user root;"
    cat <<CONF
daemon off;
$user
worker_processes 1;
pid $work/nginx-$1.pid;
error_log $work/logs/error-$1.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    # nginx's own defaults (sendfile off): Debian's stock 'sendfile on; tcp_nopush on;' made nginx
    # slower on every hit scenario here (1 KiB 72k vs 81k req/s, 256 KiB 11.9k vs 16.9k).
    default_type application/octet-stream;
    types { application/javascript js; }
    client_body_temp_path $work/body-$1;
    proxy_temp_path $work/proxy-$1;
    fastcgi_temp_path $work/fastcgi-$1;
    uwsgi_temp_path $work/uwsgi-$1;
    scgi_temp_path $work/scgi-$1;
    keepalive_requests 100000000;
    $2
}
CONF
}

# The origin: the fixtures, a small cacheable body for any path under /u/ and /m/ (miss and
# memory runs), the 16k or 1m fixture for any path under /d16k/ or /d1m/ (disk runs; logged,
# so that a miss during the measured runs shows), and for disk-fill-p99 the 16k fixture under /hot/
# (logged too) and the 64k fixture under /fill/.
write_origin_conf() {
    nginx_conf origin "server { listen 127.0.0.1:$ORIGIN_PORT; root $work/www;
        location / { add_header Cache-Control \"max-age=3600\"; }
        location ~ ^/d(16k|1m)/ { access_log $work/logs/origin-disk.log; add_header Cache-Control \"max-age=3600\";
                                  rewrite ^/d(16k|1m)/ /\$1 break; }
        location /hot/ { access_log $work/logs/origin-hot.log; add_header Cache-Control \"max-age=3600\"; rewrite ^ /16k break; }
        location /fill/ { add_header Cache-Control \"max-age=3600\"; rewrite ^ /64k break; }
        location ~ ^/(u|m)/ { add_header Cache-Control \"max-age=3600\"; return 200 \"$UNIQUE_BODY\"; } }" \
        >"$work/origin.conf"
}

# One nginx process: proxy_cache on HTTP/1.1, h2c and TLS (gzip on responses, as nginx does it:
# per response), and a plain proxy without cache for the miss runs. The disk runs' paths (/d16k/,
# /d1m/, disk-fill-p99's /hot/ and /fill/) have a cache of their own, served on the HTTP/1.1 port
# as configured there (sendfile off) and on a port of their own with sendfile on; both ports share
# the zone and the cache key. The TLS listener also serves HTTP/1.1 (hit-1k-tls: no ALPN from wrk).
write_nginx_proxy_conf() {
    local pass="proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection \"\";"
    local disk="location ~ ^/(d16k|d1m|hot|fill)/ { $pass proxy_set_header Accept-Encoding \"\"; proxy_cache disk;
                     add_header X-Cache-Status \$upstream_cache_status always; }"
    nginx_conf proxy "proxy_cache_path $work/cache levels=1:2 keys_zone=hit:32m max_size=4g;
    proxy_cache_path $work/cache-disk levels=1:2 keys_zone=disk:16m max_size=2g inactive=1h;
    upstream origin { server 127.0.0.1:$ORIGIN_PORT; keepalive 128; }
    gzip on; gzip_types application/javascript; gzip_comp_level $NGINX_GZIP_LEVEL; gzip_vary on; gzip_proxied any;
    # nginx 1.22's default protocols stop at TLSv1.2; Edge (min_version 1.2) offers TLS 1.3 as well.
    ssl_certificate $work/cert.pem; ssl_certificate_key $work/key.pem; ssl_protocols TLSv1.2 TLSv1.3;
    server { listen 127.0.0.1:$NGINX_PORT; listen 127.0.0.1:$NGINX_H2C_PORT http2; listen 127.0.0.1:$NGINX_TLS_PORT ssl http2;
        location / { $pass proxy_set_header Accept-Encoding \"\"; proxy_cache hit;
                     add_header X-Cache-Status \$upstream_cache_status always; }
        $disk }
    server { listen 127.0.0.1:$NGINX_SENDFILE_PORT; sendfile on; tcp_nopush on; $disk }
    server { listen 127.0.0.1:$NGINX_NOCACHE_PORT; location / { $pass } }" >"$work/proxy.conf"
}

# Varnish's defaults (http_gzip_support on) plus do_gzip for compressible types: it stores the gzip
# variant and gunzips it for clients that do not accept gzip.
write_varnish_vcl() {
    cat >"$work/varnish.vcl" <<VCL
vcl 4.1;
backend default { .host = "127.0.0.1"; .port = "$ORIGIN_PORT"; }
sub vcl_backend_response {
    if (beresp.http.Content-Type ~ "javascript|^text/") { set beresp.do_gzip = true; }
}
VCL
}

# EDGE_CONF_MEMORY (memory_size; default EDGE_CACHE_SIZE) and EDGE_CONF_CACHE (more lines for the
# [cache] table and its subtables), when set, change the cache's part.
edge_conf() { # $1 = http port, $2 = admin port, $3 = h2c port (optional), $4 = TLS port (optional)
    cat <<CONF
[server]
listen = ["127.0.0.1:$1"]
${3:+h2c_listen = [\"127.0.0.1:$3\"]}
event_loops = 1
drain_timeout = "1s"
CONF
    if [ -n "${4:-}" ]; then
        cat <<CONF
[tls]
listen = ["127.0.0.1:$4"]
certificates = [{ cert = "$work/cert.pem", key = "$work/key.pem" }]
CONF
    fi
    cat <<CONF
[cache]
memory_size = "${EDGE_CONF_MEMORY:-$EDGE_CACHE_SIZE}"
${EDGE_CONF_CACHE:-}
[[pools]]
name = "origin"
servers = [{ url = "http://127.0.0.1:$ORIGIN_PORT" }]
[admin]
listen = "127.0.0.1:$2"
[logging]
access_log = "off"
level = "warning"
[compression]
enabled = true
CONF
}

start_origin() {
    write_origin_conf
    # On core 1 with the load generator: only miss and memory runs reach it.
    start_server origin 1 "$NGINX" -c "$work/origin.conf" -e "$work/logs/error-origin.log"
    wait_up origin "http://127.0.0.1:$ORIGIN_PORT/1k"
}

start_nginx_proxy() {
    write_nginx_proxy_conf
    start_server nginx 0 "$NGINX" -c "$work/proxy.conf" -e "$work/logs/error-proxy.log"
    wait_up nginx "http://127.0.0.1:$NGINX_PORT/1k"
}

start_varnish() { # $1 = name, $2 = port, $3 = storage (default malloc,VARNISH_STORAGE)
    write_varnish_vcl
    start_server "$1" 0 varnishd -F -j none -n "$work/$1" -a "127.0.0.1:$2" -f "$work/varnish.vcl" \
        -s "${3:-malloc,$VARNISH_STORAGE}" -T none -p feature=+http2
    wait_up "$1" "http://127.0.0.1:$2/1k"
}

start_edge() { # $1 = name, $2 = binary, edge_conf arguments ...
    local name=$1 binary=$2
    shift 2
    edge_conf "$@" >"$work/$name.conf"
    start_server "$name" 0 "$binary" serve --config "$work/$name.conf"
    wait_up "$name" "http://127.0.0.1:$1/1k"
}
