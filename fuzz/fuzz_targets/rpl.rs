#![no_main]
//! RPL control messages: the input is a whole ICMPv6 message (type 155,
//! code, checksum, body); the code and body go to the RPL parser.
use libfuzzer_sys::fuzz_target;
use sixlo::wire::rpl::{OptionRepr, Options, Repr};

fn with_options<'a>(repr: Repr<'a>, options: Options<'a>) -> Repr<'a> {
    match repr {
        Repr::Dis(mut m) => {
            m.options = options;
            Repr::Dis(m)
        }
        Repr::Dio(mut m) => {
            m.options = options;
            Repr::Dio(m)
        }
        Repr::Dao(mut m) => {
            m.options = options;
            Repr::Dao(m)
        }
        Repr::DaoAck(mut m) => {
            m.options = options;
            Repr::DaoAck(m)
        }
        r @ Repr::Unknown { .. } => r,
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let (code, body) = (data[1], &data[4..]);
    let Ok(repr) = Repr::parse(code, body) else { return };

    // Parse-then-emit is canonical: the same bytes come back.
    let mut out = vec![0u8; repr.buffer_len()];
    repr.emit(&mut out);
    assert_eq!(out, body);
    assert_eq!(Repr::parse(code, &out), Ok(repr));

    // The options of a parsed message iterate without error, and emitting
    // them from reprs gives the same bytes again.
    if let Some(options) = repr.options() {
        let reprs: Vec<OptionRepr> = options.iter().map(|o| o.expect("validated option")).collect();
        let rebuilt = with_options(repr, Options::Reprs(&reprs));
        assert_eq!(rebuilt.buffer_len(), body.len());
        let mut again = vec![0u8; rebuilt.buffer_len()];
        rebuilt.emit(&mut again);
        assert_eq!(again, body);
        assert_eq!(Repr::parse(code, &again), Ok(rebuilt));
    }
});
