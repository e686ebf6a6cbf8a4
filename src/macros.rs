//! The crate's one logging layer: `net_trace!` … `net_error!` route to the
//! `log` facade (feature `log`), to `defmt` (feature `defmt`), or to nothing.
//!
//! Without either feature the arguments are still type-checked (inside a
//! closure that is never called), so a log line cannot rot unnoticed, and
//! no code or string is emitted. Format strings must be valid for both
//! back ends: plain `{}` / `{:?}` placeholders, no named or inline arguments.

// Layers use the levels they need; the rest stay unused until they do.
#![allow(unused_macros)]

#[cfg(all(feature = "log", feature = "defmt"))]
compile_error!("features `log` and `defmt` are mutually exclusive: enable one logging back end");

#[cfg(feature = "log")]
macro_rules! net_log {
    (trace, $($arg:tt)*) => { log::trace!($($arg)*) };
    (debug, $($arg:tt)*) => { log::debug!($($arg)*) };
    (info, $($arg:tt)*) => { log::info!($($arg)*) };
    (warn, $($arg:tt)*) => { log::warn!($($arg)*) };
    (error, $($arg:tt)*) => { log::error!($($arg)*) };
}

#[cfg(feature = "defmt")]
macro_rules! net_log {
    (trace, $($arg:tt)*) => { defmt::trace!($($arg)*) };
    (debug, $($arg:tt)*) => { defmt::debug!($($arg)*) };
    (info, $($arg:tt)*) => { defmt::info!($($arg)*) };
    (warn, $($arg:tt)*) => { defmt::warn!($($arg)*) };
    (error, $($arg:tt)*) => { defmt::error!($($arg)*) };
}

#[cfg(not(any(feature = "log", feature = "defmt")))]
macro_rules! net_log {
    ($level:ident, $($arg:tt)*) => {{
        // Type-check the arguments without evaluating them.
        let _ = || {
            let _ = core::format_args!($($arg)*);
        };
    }};
}

/// Logs at trace level (per-frame detail).
macro_rules! net_trace { ($($arg:tt)*) => { net_log!(trace, $($arg)*) }; }
/// Logs at debug level (state changes).
macro_rules! net_debug { ($($arg:tt)*) => { net_log!(debug, $($arg)*) }; }
/// Logs at info level (events a user cares about: joined, registered).
macro_rules! net_info { ($($arg:tt)*) => { net_log!(info, $($arg)*) }; }
/// Logs at warn level (drops and failures worth a look).
macro_rules! net_warn { ($($arg:tt)*) => { net_log!(warn, $($arg)*) }; }
/// Logs at error level.
macro_rules! net_error { ($($arg:tt)*) => { net_log!(error, $($arg)*) }; }

#[cfg(test)]
mod tests {
    #[test]
    fn macros_expand_with_and_without_a_back_end() {
        let frames = 3u32;
        net_trace!("rx {} frames", frames);
        net_debug!("state {:?}", Some(1u8));
        net_info!("joined");
        net_warn!("dropped {}", frames);
        net_error!("error {}", 1u8);
    }
}
