#!/usr/bin/env bash
# Installs the real coding-agent CLIs the gateway and agent-sessions tests drive, once, into the
# git-ignored harness cache (they are ~760 MB with their native binaries, so they are not
# dependencies every `npm ci` pulls). Everything comes from the npm registry; nothing from GitHub.
#   bash test/harness/setupAgents.sh      → $HARNESS_ROOT/agents/node_modules/.bin/{claude,codex}
# Idempotent: a finished install leaves a stamp file and is skipped next time.
set -euo pipefail
. "$(dirname "$0")/env.sh"
AGENTS_DIR="$HARNESS_ROOT/agents"
CLAUDE_CODE_VERSION=2.1.328
CODEX_VERSION=0.169.0
stamp="$AGENTS_DIR/.installed-$CLAUDE_CODE_VERSION-$CODEX_VERSION"
if [ -f "$stamp" ]; then
	echo "agents: claude-code $CLAUDE_CODE_VERSION and codex $CODEX_VERSION ready in $AGENTS_DIR"
	exit 0
fi
# Same reason as setup.sh: npm_* variables of an outer npm run would leak into this install.
while IFS= read -r name; do
	case "${name,,}" in
		npm_config_registry | npm_config_cafile | npm_config_proxy | npm_config_https_proxy | npm_config_noproxy | npm_config_strict_ssl | npm_config_cache | npm_config_userconfig | npm_config_globalconfig) ;;
		npm_*) unset "$name" ;;
	esac
done < <(compgen -e)
echo "agents: installing @anthropic-ai/claude-code@$CLAUDE_CODE_VERSION and @openai/codex@$CODEX_VERSION (about 760 MB, a minute or two)"
mkdir -p "$AGENTS_DIR"
cat > "$AGENTS_DIR/package.json" <<JSON
{"private":true,"dependencies":{"@anthropic-ai/claude-code":"$CLAUDE_CODE_VERSION","@openai/codex":"$CODEX_VERSION"}}
JSON
( cd "$AGENTS_DIR" && npm install --no-audit --no-fund --loglevel=error > "$AGENTS_DIR/install.log" 2>&1 ) \
	|| { tail -20 "$AGENTS_DIR/install.log" >&2; echo "agents: install failed (log: $AGENTS_DIR/install.log)" >&2; exit 1; }
"$AGENTS_DIR/node_modules/.bin/claude" --version >/dev/null || { echo "agents: claude does not run" >&2; exit 1; }
"$AGENTS_DIR/node_modules/.bin/codex" --version >/dev/null || { echo "agents: codex does not run" >&2; exit 1; }
touch "$stamp"
echo "agents: ready in $AGENTS_DIR"
