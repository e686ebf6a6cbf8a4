mod common;

#[test]
fn corpus_lists_captures_when_configured() {
    if common::interop_dir().is_some() {
        assert!(common::all_captures().len() > 40);
        let (lt, frames) = common::read_pcap(&common::capture("hand/hand_230_nofcs.pcap").unwrap());
        assert_eq!((lt, frames.len()), (230, 5));
        if common::have_tshark() {
            let m = common::tshark_malformed(&common::capture("hand/hand_230_nofcs.pcap").unwrap(), &[]);
            assert_eq!(m, [false, false, false, false, true]);
        }
    }
}
