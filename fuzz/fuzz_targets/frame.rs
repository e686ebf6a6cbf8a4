#![no_main]
use libfuzzer_sys::fuzz_target;
use sixlo::wire::ieee802154::{fcs_ok, Frame, FrameRepr, HeaderIeIter};

// Parse the input as an 802.15.4 frame without FCS; when it parses, emit it
// into a buffer of exactly buffer_len() bytes and parse that again: the Repr
// must come back unchanged.
fuzz_target!(|data: &[u8]| {
    let _ = fcs_ok(data);
    let view = Frame::new_unchecked(data);
    let _ = (view.sequence_number(), view.dst_addr(), view.src_addr(), view.payload());
    let Ok(repr) = FrameRepr::parse(&view) else { return };
    for ie in HeaderIeIter::new(repr.header_ies) {
        let _ = ie;
    }
    let mut buf = [0u8; 4096];
    let Some(out) = buf.get_mut(..repr.buffer_len()) else { return };
    repr.emit(&mut Frame::new_unchecked(&mut *out));
    let again = FrameRepr::from_bytes(out).expect("emitted frame must parse");
    assert_eq!(again, repr);
});
