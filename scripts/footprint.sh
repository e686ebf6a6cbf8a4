#!/usr/bin/env bash
# Code size of a full sixlo router node: builds the `no_std` x86_64 binary
# of the `footprint/` crate (an RPL router: 16 neighbours, 16 RPL routes, a
# 1280-byte packet buffer, two 6LoWPAN reassembly slots sharing one 1280-byte
# pool, two UDP sockets, a 4-slot
# MAC queue; see footprint/src/main.rs) for size (opt-level "z", LTO, one
# codegen unit, panic = abort) and prints one line:
#
#     text=<bytes> data=<bytes> bss=<bytes>
#
# from binutils `size` (Berkeley format: text counts .text and .rodata;
# the linker's .relro_padding is left out of bss). Budget: text <= 32 KiB
# (DESIGN.md "Memory").
#
# Unwind tables are not linked: with panic = "abort" nothing unwinds, and a
# firmware image carries no .eh_frame / .eh_frame_hdr (about 13 KB here).
# `--no-eh-frame-hdr` and the `/DISCARD/` rule of
# footprint/discard-unwind.ld (appended to ld's default script with
# `INSERT`) drop them. `FOOTPRINT_VERBOSE=1` also prints `size -A` and the
# 30 largest symbols.
#
# Needs only the Rust toolchain (the host target is x86_64-unknown-linux-gnu)
# and binutils. `--target` keeps the link flags away from build scripts.
set -euo pipefail
cd "$(dirname "$0")/../footprint"

if ! command -v size >/dev/null 2>&1; then
    echo "binutils 'size' not found; installing binutils (Debian)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq binutils >/dev/null
fi

target=x86_64-unknown-linux-gnu
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
RUSTFLAGS="-C link-arg=-nostartfiles -C link-arg=-static -C relocation-model=static \
-C link-arg=-Wl,--no-eh-frame-hdr -C link-arg=-Wl,-T,$PWD/discard-unwind.ld" \
    cargo build -q --release --target "$target"
bin="$CARGO_TARGET_DIR/$target/release/sixlo-footprint"

if [ -n "${FOOTPRINT_VERBOSE:-}" ]; then
    size -A "$bin" >&2
    nm --size-sort -S -C "$bin" | tail -30 >&2
fi
# Berkeley `size` counts the linker's .relro_padding (alignment of the
# RELRO segment to a page, which moves with the text size) as bss; it is
# no RAM, so it is taken out. The node's RAM state is built on `_start`'s
# stack (tests/footprint.rs measures it), so bss is 0 here.
relro=$(size -A "$bin" | awk '$1 == ".relro_padding" { print $2 }')
size -B "$bin" | awk -v relro="${relro:-0}" 'NR == 2 { printf "text=%d data=%d bss=%d\n", $1, $2, $3 - relro }'
