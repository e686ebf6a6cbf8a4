//! Parse one 802.15.4 frame (given in hex, without FCS) and print its MAC
//! header and 6LoWPAN header stack.
//!
//! ```sh
//! cargo run --example parse_frame -- 41c801cdabffff0101010001741202 7b3b3a1a9b01
//! ```
//! (Arguments are joined, so a frame may be split across several.)

use sixlo::wire::ieee802154::FrameRepr;
use sixlo::wire::sixlowpan::{self, Inner};

fn main() {
    let hex: String = std::env::args().skip(1).collect();
    let Some(bytes) = parse_hex(&hex) else {
        eprintln!("usage: parse_frame HEX... (an 802.15.4 frame without FCS)");
        std::process::exit(2);
    };
    let frame = match FrameRepr::from_bytes(&bytes) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("not an 802.15.4 frame: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "{:?} frame, version {:?}, seq {:?}",
        frame.frame_type, frame.frame_version, frame.sequence_number
    );
    println!(
        "  {:?} (PAN {:?}) -> {:?} (PAN {:?})",
        frame.src_addr, frame.src_pan_id, frame.dst_addr, frame.dst_pan_id
    );
    match sixlowpan::walk(frame.payload) {
        Ok(stack) => {
            if stack.mesh.is_some() {
                println!("  mesh header");
            }
            if let Some(f) = stack.frag {
                println!("  fragment header ({} bytes)", f.len());
            }
            match stack.inner {
                Inner::Iphc(span) => println!("  IPHC header, {} bytes compressed", span.len()),
                Inner::Ipv6(at) => println!("  uncompressed IPv6 at offset {at}"),
                Inner::FragmentBody(at) => println!("  fragment body at offset {at}"),
                Inner::Unsupported(d, _) => println!("  unsupported dispatch {d}"),
            }
        }
        Err(e) => println!("  6LoWPAN: {e}"),
    }
}

fn parse_hex(s: &str) -> Option<Vec<u8>> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() || s.len() % 2 != 0 {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}
