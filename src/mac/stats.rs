//! MAC counters.

/// What the MAC did and dropped, since it was created. Counters wrap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct MacStats {
    /// Data frames handed to the radio, retransmissions included.
    pub tx_frames: u32,
    /// Unicast frames acknowledged.
    pub tx_acked: u32,
    /// Unicast frames given up after the last retry without an ACK.
    pub no_ack: u32,
    /// Frames dropped because CSMA-CA found the channel busy too often.
    pub csma_fail: u32,
    /// Retransmissions (transmissions after the first of a frame).
    pub retries: u32,
    /// Frames dropped from the queue because their next hop just failed.
    pub purged: u32,
    /// Frames the radio refused or never reported.
    pub radio_errors: u32,
    /// `enqueue` calls refused because the queue was full.
    pub queue_full: u32,
    /// Imm-Acks sent by the MAC (radios without `hw_ack`).
    pub acks_sent: u32,
    /// Frames accepted for delivery (to us or broadcast, not duplicates).
    pub rx_frames: u32,
    /// Duplicate frames dropped.
    pub rx_dup: u32,
    /// Frames that did not parse.
    pub rx_bad: u32,
    /// Frames for another node or PAN.
    pub rx_not_for_us: u32,
}
