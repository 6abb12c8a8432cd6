# Shared by the disk benchmarks: an edge.conf for one node with a disk tier in front of one origin.
# Sourced, not run.
# shellcheck shell=bash

# Optional: MEMORY_SIZE (64MiB), MEMORY_MAX_OBJECT (the default), a line more for [cache.disk].
disk_edge_conf() { # PORT ADMIN_PORT ORIGIN_PORT DIRECTORY DISK_SIZE DISK_MAX_OBJECT [MEMORY_SIZE [MEMORY_MAX_OBJECT [DISK_LINE]]]
    cat <<CONF
[server]
listen = ["127.0.0.1:$1"]
[admin]
listen = "127.0.0.1:$2"
[logging]
access_log = "off"
[cache]
memory_size = "${7:-64MiB}"
${8:+max_object_size = \"$8\"}
[cache.disk]
path = "$4"
size = "$5"
max_object_size = "$6"
${9:-}
[[pools]]
name = "default"
servers = [{ url = "http://127.0.0.1:$3" }]
[[sites]]
hosts = ["*"]
pool = "default"
CONF
}
