//! `capture.pcap`: a classic pcap writer for 802.15.4 frames (link type 195,
//! `LINKTYPE_IEEE802_15_4_WITHFCS`), read back by [`crate::pcap::parse`].

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use sixlo::wire::ieee802154::crc16_kermit;

/// tcpdump.org `LINKTYPE_IEEE802_15_4_WITHFCS`: frames end with their FCS.
pub const LINKTYPE_IEEE802_15_4_WITHFCS: u32 = 195;

/// Snapshot length written in the header; 802.15.4 frames are at most 127
/// bytes, so nothing is ever cut.
pub const SNAPLEN: u32 = 65_535;

/// Writes 802.15.4 frames into a classic pcap stream (little-endian,
/// microsecond timestamps).
///
/// Timestamps are the virtual time in µs plus an epoch offset (0 unless set
/// with [`PcapWriter::with_epoch_us`]), so Wireshark shows virtual seconds
/// since 1970-01-01 00:00:00.
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    out: W,
    epoch_us: u64,
    frames: u64,
}

impl PcapWriter<BufWriter<File>> {
    /// Creates (or truncates) `path` and writes the global header.
    pub fn create(path: &Path) -> io::Result<Self> {
        PcapWriter::new(BufWriter::new(File::create(path)?))
    }
}

impl<W: Write> PcapWriter<W> {
    /// Writes the 24-byte global header (pcap-savefile(5)) to `out`.
    pub fn new(mut out: W) -> io::Result<Self> {
        let mut h = Vec::with_capacity(24);
        h.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes()); // magic, µs timestamps
        h.extend_from_slice(&2u16.to_le_bytes()); // version 2.4
        h.extend_from_slice(&4u16.to_le_bytes());
        h.extend_from_slice(&0i32.to_le_bytes()); // thiszone
        h.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
        h.extend_from_slice(&SNAPLEN.to_le_bytes());
        h.extend_from_slice(&LINKTYPE_IEEE802_15_4_WITHFCS.to_le_bytes());
        out.write_all(&h)?;
        Ok(PcapWriter { out, epoch_us: 0, frames: 0 })
    }

    /// Adds `epoch_us` to every later timestamp (e.g. the wall-clock start
    /// of the run, so captures show a real date).
    pub fn with_epoch_us(mut self, epoch_us: u64) -> Self {
        self.epoch_us = epoch_us;
        self
    }

    /// Writes one frame given WITHOUT its FCS (MAC header + payload, as the
    /// stack emits it into the radio); the FCS (CRC-16/KERMIT, little-endian,
    /// 802.15.4-2015 §7.2.10) is appended.
    pub fn write_frame(&mut self, time_us: u64, frame: &[u8]) -> io::Result<()> {
        let mut with_fcs = Vec::with_capacity(frame.len() + 2);
        with_fcs.extend_from_slice(frame);
        with_fcs.extend_from_slice(&crc16_kermit(frame).to_le_bytes());
        self.write_raw(time_us, &with_fcs)
    }

    /// Writes one record as given (a frame that already ends with its FCS,
    /// or a deliberately corrupted one).
    pub fn write_raw(&mut self, time_us: u64, bytes: &[u8]) -> io::Result<()> {
        let t = time_us.saturating_add(self.epoch_us);
        let secs = u32::try_from(t / 1_000_000)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "timestamp beyond 2106"))?;
        let len = u32::try_from(bytes.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "record longer than 4 GiB"))?;
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&secs.to_le_bytes());
        h[4..8].copy_from_slice(&((t % 1_000_000) as u32).to_le_bytes());
        h[8..12].copy_from_slice(&len.to_le_bytes());
        h[12..16].copy_from_slice(&len.to_le_bytes());
        self.out.write_all(&h)?;
        self.out.write_all(bytes)?;
        self.frames += 1;
        Ok(())
    }

    /// The number of records written.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
