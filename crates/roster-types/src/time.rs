//! Timestamps on the wire: UTC, millisecond precision, `Z` suffix.
//!
//! The Python SDK parses with `%Y-%m-%dT%H:%M:%S.%fZ` and the Java SDK with
//! `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`, so the fraction and the `Z` are not optional.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};

/// Formats milliseconds since the Unix epoch as `2015-10-18T14:26:16.000Z`.
pub fn format_millis(millis: i64) -> String {
    use chrono::{Datelike, Timelike};
    let time = Utc
        .timestamp_millis_opt(millis)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH);
    if !(0..=9999).contains(&time.year()) {
        return time.to_rfc3339_opts(SecondsFormat::Millis, true);
    }
    // Written digit by digit: this runs on every `/me`, and chrono's general formatter was
    // a measurable share of it. The output is `to_rfc3339_opts(Millis, true)`'s (tested).
    let mut out = String::with_capacity(24);
    push_digits(&mut out, time.year() as u32, 4);
    for (separator, value, width) in [
        ('-', time.month(), 2),
        ('-', time.day(), 2),
        ('T', time.hour(), 2),
        (':', time.minute(), 2),
        (':', time.second(), 2),
        ('.', time.timestamp_subsec_millis().min(999), 3),
    ] {
        out.push(separator);
        push_digits(&mut out, value, width);
    }
    out.push('Z');
    out
}

/// `value` as exactly `width` decimal digits, zero-padded.
fn push_digits(out: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        out.push(char::from(b'0' + (value / 10u32.pow(place) % 10) as u8));
    }
}

/// Parses any RFC 3339 timestamp into milliseconds since the epoch.
pub fn parse_millis(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc).timestamp_millis())
}

/// The time a Roster server runs on. Every timestamp it writes and every time-based rule
/// it applies (presence, token expiry, `lastActivity`) reads this clock, never the system
/// clock directly, so that tests can move it (the control API's clock).
///
/// A clone shares the same time: the server and its store hold one clock. It follows the
/// system clock unless moved: [`Clock::advance`] shifts it, [`Clock::set`] puts it at a
/// given time from which it keeps running, [`Clock::reset`] returns it to real time.
#[derive(Debug, Clone, Default)]
pub struct Clock(std::sync::Arc<std::sync::atomic::AtomicI64>);

impl Clock {
    /// A clock on real time.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// Milliseconds since the epoch, as this clock reads them.
    pub fn now_millis(&self) -> i64 {
        // Two loads and a system-time read: this runs on every request.
        system_millis().saturating_add(self.0.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Moves the clock forward (or back, for a negative `millis`).
    pub fn advance(&self, millis: i64) {
        self.0
            .fetch_add(millis, std::sync::atomic::Ordering::Relaxed);
    }

    /// Puts the clock at `millis` since the epoch; it runs on from there.
    pub fn set(&self, millis: i64) {
        self.0.store(
            millis.saturating_sub(system_millis()),
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// Back to real time.
    pub fn reset(&self) {
        self.0.store(0, std::sync::atomic::Ordering::Relaxed);
    }

    /// How far this clock is from real time, in milliseconds (0 on real time).
    pub fn offset_millis(&self) -> i64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// This clock's time at `instant` (a moment just passed), read cheaply: the monotonic
    /// instant and the clock's offset are kept, and turned into milliseconds since the epoch
    /// only when [`ClockReading::millis`] is asked, so that something recording every request
    /// (the control API's journal) reads the system clock once per request, not twice.
    pub fn reading_at(&self, instant: std::time::Instant) -> ClockReading {
        ClockReading {
            instant,
            offset_millis: self.offset_millis(),
        }
    }
}

/// A moment as a [`Clock`] read it; see [`Clock::reading_at`].
#[derive(Debug, Clone, Copy)]
pub struct ClockReading {
    instant: std::time::Instant,
    offset_millis: i64,
}

impl ClockReading {
    /// Milliseconds since the epoch, as the clock read them at that moment: real time now,
    /// less the monotonic time since, plus the clock's offset then (so that moving the
    /// clock later does not move the moment). Computed in microseconds before rounding down,
    /// so that it agrees to the millisecond with a reading of the system clock then.
    pub fn millis(&self) -> i64 {
        // The monotonic clock first, then the system clock: the result errs late by the
        // time between the two reads (well under a microsecond), never early, so that a
        // moment after a time read elsewhere never appears before it.
        let since = i64::try_from(self.instant.elapsed().as_micros()).unwrap_or(i64::MAX);
        let real = system_micros().saturating_sub(since).div_euclid(1000);
        real.saturating_add(self.offset_millis)
    }
}

/// The system clock, in milliseconds since the epoch. Only [`Clock`] reads it.
fn system_millis() -> i64 {
    system_micros().div_euclid(1000)
}

/// The system clock, in microseconds since the epoch.
fn system_micros() -> i64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_micros()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_micros()).unwrap_or(i64::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_format_is_chronos_rfc3339_with_millis() {
        let mut millis: i64 = -62_135_596_800_000; // 0001-01-01
        let end: i64 = 253_402_300_799_999; // 9999-12-31T23:59:59.999
        let step = (end - millis) / 100_000;
        while millis <= end {
            let expected = Utc
                .timestamp_millis_opt(millis)
                .unwrap()
                .to_rfc3339_opts(SecondsFormat::Millis, true);
            assert_eq!(format_millis(millis), expected, "{millis}");
            millis += step + 7;
        }
        for millis in [0, 999, 1_000, -1, 1_445_178_376_028] {
            let expected = Utc
                .timestamp_millis_opt(millis)
                .unwrap()
                .to_rfc3339_opts(SecondsFormat::Millis, true);
            assert_eq!(format_millis(millis), expected, "{millis}");
        }
    }

    #[test]
    fn formats_with_milliseconds_and_z() {
        let millis = parse_millis("2015-10-18T14:26:16.028Z").unwrap();
        assert_eq!(format_millis(millis), "2015-10-18T14:26:16.028Z");
        assert_eq!(format_millis(1_445_178_376_000), "2015-10-18T14:26:16.000Z");
    }

    #[test]
    fn offsets_are_normalised_to_utc() {
        let millis = parse_millis("2015-10-18T16:26:16.5+02:00").unwrap();
        assert_eq!(format_millis(millis), "2015-10-18T14:26:16.500Z");
    }

    #[test]
    fn a_reading_is_the_clock_at_its_moment_even_after_the_clock_moves() {
        let clock = Clock::system();
        clock.advance(60_000);
        let before = clock.now_millis();
        let reading = clock.reading_at(std::time::Instant::now());
        let after = clock.now_millis();
        // It may err late by a microsecond, across a millisecond's end.
        let moment = before..=after + 1;
        let millis = reading.millis();
        assert!(moment.contains(&millis), "{before} {millis} {after}");
        clock.advance(3_600_000);
        std::thread::sleep(std::time::Duration::from_millis(20));
        let later = reading.millis();
        assert!(moment.contains(&later), "{before} {later} {after}");
    }

    #[test]
    fn a_clock_follows_real_time_until_moved_and_clones_share_it() {
        let clock = Clock::system();
        let shared = clock.clone();
        let real = system_millis();
        assert!((clock.now_millis() - real).abs() < 1_000);
        clock.advance(15 * 60_000);
        assert!((shared.now_millis() - real - 15 * 60_000).abs() < 1_000);
        clock.set(1_000_000);
        assert!((shared.now_millis() - 1_000_000).abs() < 1_000);
        clock.reset();
        assert_eq!(shared.offset_millis(), 0);
        assert!((shared.now_millis() - system_millis()).abs() < 1_000);
    }
}
