#!/usr/bin/env bash
# The project's whole test suite, runnable on a fresh machine.
#
# Installs what is missing (tshark from Debian, scapy from PyPI, cargo-fuzz
# from crates.io; quick when present), points the interop tests at
# ../shared/interop when it exists, runs every workspace test, then replays
# each fuzz target's corpus (regression only, no new fuzzing).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

if ! command -v tshark >/dev/null 2>&1; then
    log "installing tshark (Debian)"
    export DEBIAN_FRONTEND=noninteractive
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections || true
    apt-get update -qq
    apt-get install -y -qq tshark >/dev/null
fi
if ! python3 -c 'import scapy' >/dev/null 2>&1; then
    log "installing scapy (PyPI)"
    python3 -m pip install -q 'scapy>=2.6'
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    log "installing cargo-fuzz (crates.io)"
    cargo install -q --locked cargo-fuzz
fi

if [ -z "${SIXLO_INTEROP_DIR:-}" ] && [ -d ../shared/interop ]; then
    SIXLO_INTEROP_DIR="$(cd ../shared/interop && pwd)"
fi
if [ -n "${SIXLO_INTEROP_DIR:-}" ]; then
    export SIXLO_INTEROP_DIR
    log "interop corpus: $SIXLO_INTEROP_DIR"
else
    log "interop corpus not found: interop tests skip"
fi

log "fuzz corpus replay (cargo +nightly fuzz run TARGET CORPUS... -- -runs=0)"
# The committed corpora are ours; inputs cut from the interop captures at run
# time (never committed) are replayed beside them.
seeds=target/fuzz-seeds
rm -rf "$seeds"
if [ -n "${SIXLO_INTEROP_DIR:-}" ]; then
    find "$SIXLO_INTEROP_DIR/captures" -name '*.pcap' -print0 \
        | xargs -0 cargo run -q -p sixlo-sim -- fuzz-seeds --out "$seeds"
fi
for src in fuzz/fuzz_targets/*.rs; do
    target=$(basename "$src" .rs)
    dir=fuzz/corpus/$target
    mkdir -p "$dir"
    dirs=("$dir")
    [ -d "$seeds/$target" ] && dirs+=("$seeds/$target")
    out=$(mktemp)
    if ! cargo +nightly fuzz run -O "$target" "${dirs[@]}" -- -runs=0 >"$out" 2>&1; then
        cat "$out"
        echo "fuzz corpus replay failed for $target"
        exit 1
    fi
    echo "$target: $(find "${dirs[@]}" -type f | wc -l) inputs replayed, no crash"
    rm -f "$out"
done

log "cargo test --workspace (plus the optional ieee802154-compat conversions and the node tests in lent pool mode)"
results=$(mktemp)
# The node tests again with every node in lent pool mode (6LoWPAN
# reassembly in the packet buffer: the RAM budget's configuration).
node_tests=(--test node_basic --test node_link --test node_malformed --test node_nd --test rpl_node)
{ cargo test -p sixlo --features ieee802154-compat --lib compat && cargo test --workspace \
    && SIXLO_TEST_LENT_POOL=1 cargo test -p sixlo "${node_tests[@]}"; } 2>&1 | tee "$results"
# One closing line for the whole run, summed over every test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "\n%d passed, %d failed\n", p, f; exit (f > 0) }' "$results"
rm -f "$results"
