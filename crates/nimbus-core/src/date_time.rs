//! The [`DateTime`] timestamp type and its text formats.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

const NANOS_PER_SEC: u32 = 1_000_000_000;
const NANOS_PER_SEC_I128: i128 = 1_000_000_000;
const SECS_PER_DAY: i64 = 86_400;
/// Number of characters of the offending input echoed in error messages.
const MAX_ECHO_CHARS: usize = 100;

const DAY_NAMES: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTH_NAMES: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A point in time with nanosecond precision, independent of any time zone.
///
/// Internally this is a count of seconds relative to the Unix epoch
/// (1970-01-01T00:00:00Z, which is also the [`Default`]) plus a nanosecond
/// offset in `0..1_000_000_000` that always moves *forward* in time, so
/// `1969-12-31T23:59:59.5Z` is stored as `secs = -1, nanos = 500_000_000`.
/// The derived ordering is therefore chronological.
///
/// Leap seconds are not modelled: parsing a second value of `60` yields
/// second `59` of the same minute.
///
/// # Serde
///
/// [`Serialize`] writes epoch seconds as a number (an integer when there is
/// no sub-second part, a float otherwise). [`Deserialize`] is lenient and
/// accepts an integer or float number of epoch seconds, or a string in RFC
/// 3339, HTTP-date or decimal epoch-seconds form. Use the adapters in
/// [`crate::wire`] to pick a different wire encoding per member.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default)]
pub struct DateTime {
    secs: i64,
    nanos: u32,
}

/// Error returned when a string cannot be parsed as a [`DateTime`].
///
/// The message names the expected format, explains what was wrong and
/// echoes the input (truncated to its first 100 characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateTimeParseError {
    format: &'static str,
    input: String,
    reason: String,
}

impl DateTimeParseError {
    fn new(format: &'static str, input: &str, reason: String) -> Self {
        let mut echoed: String = input.chars().take(MAX_ECHO_CHARS).collect();
        if echoed.len() < input.len() {
            echoed.push('…');
        }
        Self { format, input: echoed, reason }
    }

    /// The reason the input was rejected, without the input itself.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for DateTimeParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot parse `{}` as {}: {}", self.input, self.format, self.reason)
    }
}

impl std::error::Error for DateTimeParseError {}

/// Error returned when a [`DateTime`] cannot be represented as a
/// [`SystemTime`] on this platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateTimeRangeError {
    value: DateTime,
}

impl fmt::Display for DateTimeRangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "date-time {} is out of the range representable by std::time::SystemTime", self.value)
    }
}

impl std::error::Error for DateTimeRangeError {}

impl DateTime {
    /// Creates a date-time from whole seconds since the Unix epoch
    /// (negative values are before 1970).
    pub const fn from_secs(secs: i64) -> Self {
        Self { secs, nanos: 0 }
    }

    /// Creates a date-time from seconds since the Unix epoch plus a forward
    /// nanosecond offset.
    ///
    /// A `nanos` value of one second or more is carried into `secs`; should
    /// that overflow, the result saturates at the latest representable
    /// instant.
    pub const fn from_parts(secs: i64, nanos: u32) -> Self {
        let carry = (nanos / NANOS_PER_SEC) as i64;
        let nanos = nanos % NANOS_PER_SEC;
        match secs.checked_add(carry) {
            Some(secs) => Self { secs, nanos },
            None => Self { secs: i64::MAX, nanos: NANOS_PER_SEC - 1 },
        }
    }

    /// Creates a date-time from fractional seconds since the Unix epoch.
    ///
    /// The value is interpreted through its shortest decimal representation
    /// (the one `f64`'s `Display` prints), so `1515531081.123` yields exactly
    /// 123 000 000 nanoseconds instead of the binary float's approximation.
    /// Digits below nanosecond precision are truncated toward zero.
    ///
    /// Returns `None` for NaN, infinities and values outside the `i64`
    /// seconds range.
    pub fn from_secs_f64(value: f64) -> Option<Self> {
        // 2^63 as f64. The range check also rejects NaN and the infinities,
        // and keeps the decimal text short.
        const LIMIT: f64 = 9_223_372_036_854_775_808.0;
        if !(-LIMIT..LIMIT).contains(&value) {
            return None;
        }
        if value.fract() == 0.0 {
            // Whole seconds (the common case) convert exactly.
            return Some(Self::from_secs(value as i64));
        }
        // The shortest decimal that reads back as `value`, written on the
        // stack by the formatter serde_json uses; its exponent form (very
        // small values) goes through `Display`, which never uses one.
        let mut buffer = zmij::Buffer::new();
        let text = buffer.format_finite(value);
        if text.contains(['e', 'E']) {
            return parse_decimal_seconds(&value.to_string()).ok();
        }
        parse_decimal_seconds(text).ok()
    }

    /// Whole seconds since the Unix epoch (rounded toward negative infinity,
    /// see [`DateTime::subsec_nanos`]).
    pub const fn secs(&self) -> i64 {
        self.secs
    }

    /// Nanoseconds after [`DateTime::secs`], always in `0..1_000_000_000`.
    pub const fn subsec_nanos(&self) -> u32 {
        self.nanos
    }

    /// Seconds since the Unix epoch as a float (the nearest `f64` to the
    /// exact value; precision is lost for large values).
    pub fn as_secs_f64(&self) -> f64 {
        if self.nanos == 0 {
            return self.secs as f64;
        }
        // Parsing the exact decimal text gives a correctly rounded result.
        self.to_epoch_seconds_string().parse::<f64>().unwrap_or(self.secs as f64 + f64::from(self.nanos) / 1e9)
    }

    /// Parses an RFC 3339 date-time such as `2019-12-16T23:48:18Z` or
    /// `1985-04-12T23:20:50.52+05:30`.
    ///
    /// Accepted form: `YYYY-MM-DD`, `T` or `t`, `HH:MM:SS`, an optional
    /// fraction of 1 to 9 digits, then `Z`, `z` or a `+HH:MM` / `-HH:MM`
    /// offset. Month, day (including leap years), hour, minute and second
    /// are validated; second `60` (a leap second) is read as `59`.
    pub fn parse_rfc3339(input: &str) -> Result<Self, DateTimeParseError> {
        parse_rfc3339_inner(input).map_err(|reason| DateTimeParseError::new("an RFC 3339 date-time", input, reason))
    }

    /// Parses an HTTP date in IMF-fixdate form (RFC 9110), such as
    /// `Sun, 06 Nov 1994 08:49:37 GMT`.
    ///
    /// The weekday must be a valid day name but is not checked against the
    /// date. Day and month names are matched case-insensitively, as is
    /// `GMT`. A fraction of 1 to 9 digits after the seconds
    /// (`08:49:37.123`) is accepted.
    pub fn parse_http_date(input: &str) -> Result<Self, DateTimeParseError> {
        parse_http_date_inner(input).map_err(|reason| DateTimeParseError::new("an HTTP date", input, reason))
    }

    /// Parses decimal epoch seconds such as `1515531081` or
    /// `-1.5`.
    ///
    /// Accepted form: an optional `+` or `-` sign, one or more digits, and
    /// optionally `.` followed by one or more digits. Digits below
    /// nanosecond precision are truncated toward zero; exponents are not
    /// accepted.
    pub fn parse_epoch_seconds(input: &str) -> Result<Self, DateTimeParseError> {
        parse_decimal_seconds(input).map_err(|reason| DateTimeParseError::new("epoch seconds", input, reason))
    }

    /// Formats as RFC 3339 in UTC, e.g. `2019-12-16T23:48:18Z`.
    ///
    /// A non-zero sub-second part is printed with trailing zeros removed
    /// (`.5`, `.123`, `.000000001`). Years outside `0000..=9999` cannot be
    /// expressed in RFC 3339; they are printed in the ISO 8601 expanded
    /// form with an explicit sign (`+10000-01-01T00:00:00Z`, `-0001-…`).
    pub fn to_rfc3339(&self) -> String {
        let (days, secs_of_day) = self.split();
        let (year, month, day) = civil_from_days(days);
        let mut out = String::with_capacity(32);
        push_year(&mut out, year);
        push_two(&mut out, '-', month);
        push_two(&mut out, '-', day);
        push_time(&mut out, 'T', secs_of_day);
        push_fraction(&mut out, self.nanos);
        out.push('Z');
        out
    }

    /// Formats as ISO 8601 basic format in UTC with whole seconds, e.g.
    /// `20150830T123600Z` (what SigV4 calls the request date).
    pub fn to_iso8601_basic(self) -> String {
        let (days, secs_of_day) = self.split();
        let (year, month, day) = civil_from_days(days);
        let mut out = String::with_capacity(16);
        push_year(&mut out, year);
        push_digits(&mut out, month, 2);
        push_digits(&mut out, day, 2);
        push_clock(&mut out, 'T', secs_of_day, false);
        out.push('Z');
        out
    }

    /// The proleptic Gregorian year.
    pub fn year(&self) -> i64 {
        civil_from_days(self.split().0).0
    }

    /// Formats as an HTTP date (IMF-fixdate), e.g.
    /// `Tue, 29 Apr 2014 18:30:38 GMT`.
    ///
    /// When the sub-second part has a non-zero millisecond component, the
    /// milliseconds are appended to the seconds with trailing zeros removed
    /// (`18:30:38.123`, `18:30:38.5`); anything below millisecond precision
    /// is truncated. Years outside `0000..=9999` are printed with the
    /// explicit-sign form used by [`DateTime::to_rfc3339`].
    pub fn to_http_date(&self) -> String {
        let (days, secs_of_day) = self.split();
        let (year, month, day) = civil_from_days(days);
        // 1970-01-01 (day 0) was a Thursday (index 4).
        let weekday = (days + 4).rem_euclid(7) as usize;
        let mut out = String::with_capacity(32);
        out.push_str(DAY_NAMES.get(weekday).copied().unwrap_or("???"));
        out.push(',');
        push_two(&mut out, ' ', day);
        out.push(' ');
        let month_name = (month as usize).checked_sub(1).and_then(|i| MONTH_NAMES.get(i));
        out.push_str(month_name.copied().unwrap_or("???"));
        out.push(' ');
        push_year(&mut out, year);
        push_time(&mut out, ' ', secs_of_day);
        push_fraction(&mut out, self.nanos / 1_000_000 * 1_000_000);
        out.push_str(" GMT");
        out
    }

    /// Formats as decimal epoch seconds: `1515531081` when there is no
    /// sub-second part, otherwise the exact value with trailing zeros of
    /// the (nanosecond-precision) fraction removed, e.g. `1515531081.123`
    /// or `-1.5`. The output is accepted by [`DateTime::parse_epoch_seconds`]
    /// and round-trips exactly.
    pub fn to_epoch_seconds_string(&self) -> String {
        if self.nanos == 0 {
            return self.secs.to_string();
        }
        let total = i128::from(self.secs) * NANOS_PER_SEC_I128 + i128::from(self.nanos);
        let magnitude = total.unsigned_abs();
        let whole = magnitude / 1_000_000_000;
        let frac = (magnitude % 1_000_000_000) as u32;
        let mut out = String::with_capacity(32);
        if total < 0 {
            out.push('-');
        }
        out.push_str(&whole.to_string());
        push_fraction(&mut out, frac);
        out
    }

    /// Days since the epoch and the second within that day.
    fn split(&self) -> (i64, u32) {
        let days = self.secs.div_euclid(SECS_PER_DAY);
        let secs_of_day = self.secs.rem_euclid(SECS_PER_DAY) as u32;
        (days, secs_of_day)
    }

    /// Builds a date-time from a signed count of nanoseconds since the epoch.
    fn from_total_nanos(total: i128) -> Option<Self> {
        let secs = i64::try_from(total.div_euclid(NANOS_PER_SEC_I128)).ok()?;
        let nanos = total.rem_euclid(NANOS_PER_SEC_I128) as u32;
        Some(Self { secs, nanos })
    }
}

impl fmt::Display for DateTime {
    /// Formats as RFC 3339, see [`DateTime::to_rfc3339`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl FromStr for DateTime {
    type Err = DateTimeParseError;

    /// Parses RFC 3339, see [`DateTime::parse_rfc3339`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_rfc3339(s)
    }
}

impl From<SystemTime> for DateTime {
    /// Converts a system time; values beyond the `i64` seconds range
    /// saturate.
    fn from(time: SystemTime) -> Self {
        let total = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => i128::try_from(after.as_nanos()).unwrap_or(i128::MAX),
            Err(before) => i128::try_from(before.duration().as_nanos()).map(|n| -n).unwrap_or(i128::MIN),
        };
        Self::from_total_nanos(total).unwrap_or(if total < 0 {
            Self::from_secs(i64::MIN)
        } else {
            Self::from_parts(i64::MAX, NANOS_PER_SEC - 1)
        })
    }
}

impl TryFrom<DateTime> for SystemTime {
    type Error = DateTimeRangeError;

    fn try_from(value: DateTime) -> Result<Self, Self::Error> {
        let nanos = Duration::from_nanos(u64::from(value.nanos));
        let time = if value.secs >= 0 {
            UNIX_EPOCH.checked_add(Duration::from_secs(value.secs.unsigned_abs())).and_then(|t| t.checked_add(nanos))
        } else {
            UNIX_EPOCH.checked_sub(Duration::from_secs(value.secs.unsigned_abs())).and_then(|t| t.checked_add(nanos))
        };
        time.ok_or(DateTimeRangeError { value })
    }
}

/// The newtype struct name under which [`DateTime`] serializes itself to a
/// binary format (serde's `is_human_readable() == false`): CBOR writes it
/// as tag 1 (epoch seconds) around the number.
pub const EPOCH_SECONDS_TAG: &str = "nimbus:epoch-seconds";

impl Serialize for DateTime {
    /// Epoch seconds, a whole number when there is no fraction; for a
    /// binary format (CBOR) marked as a timestamp
    /// ([`EPOCH_SECONDS_TAG`]).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match (serializer.is_human_readable(), self.nanos) {
            (true, 0) => serializer.serialize_i64(self.secs),
            (true, _) => serializer.serialize_f64(self.as_secs_f64()),
            (false, 0) => serializer.serialize_newtype_struct(EPOCH_SECONDS_TAG, &self.secs),
            (false, _) => serializer.serialize_newtype_struct(EPOCH_SECONDS_TAG, &self.as_secs_f64()),
        }
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DateTimeVisitor)
    }
}

/// The lenient visitor behind `DateTime`'s `Deserialize` and the decoders in
/// [`crate::wire`].
pub(crate) struct DateTimeVisitor;

impl DateTimeVisitor {
    /// Parses a date-time string in any supported format.
    pub(crate) fn parse_any(s: &str) -> Result<DateTime, String> {
        let rfc = match DateTime::parse_rfc3339(s) {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        // ISO 8601 without a zone (`2026-11-23T03:35:05.003991`, as some
        // emulators send): read as UTC, like botocore does.
        // (`get`: byte 19 may fall inside a multi-byte character.)
        let zoneless = s.get(19..).is_some_and(|rest| !rest.contains(['+', '-']));
        if zoneless && s.as_bytes().get(10) == Some(&b'T') && !s.ends_with(['Z', 'z']) {
            if let Ok(value) = DateTime::parse_rfc3339(&format!("{s}Z")) {
                return Ok(value);
            }
        }
        let http = match DateTime::parse_http_date(s) {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        let epoch = match DateTime::parse_epoch_seconds(s) {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        // Report the failure of the format the input most resembles.
        let bytes = s.as_bytes();
        let closest = if bytes.get(4) == Some(&b'-') {
            rfc
        } else if bytes.first().is_some_and(u8::is_ascii_alphabetic) {
            http
        } else {
            epoch
        };
        Err(format!(
            "invalid date-time string: expected an RFC 3339 date-time \
             (2019-12-16T23:48:18Z), an HTTP date (Tue, 29 Apr 2014 18:30:38 GMT) \
             or epoch seconds (1515531081.123); {closest}"
        ))
    }
}

impl Visitor<'_> for DateTimeVisitor {
    type Value = DateTime;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a date-time: a number of epoch seconds, or a string in RFC 3339, \
             HTTP-date or epoch-seconds form",
        )
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<DateTime, E> {
        Ok(DateTime::from_secs(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<DateTime, E> {
        i64::try_from(v).map(DateTime::from_secs).map_err(|_| E::custom(format_args!("epoch seconds {v} are out of range")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<DateTime, E> {
        DateTime::from_secs_f64(v).ok_or_else(|| E::custom(format_args!("epoch seconds {v} are not a finite in-range number")))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<DateTime, E> {
        Self::parse_any(v).map_err(E::custom)
    }
}

// ---------------------------------------------------------------------------
// Civil calendar arithmetic (proleptic Gregorian calendar).
// ---------------------------------------------------------------------------

/// Whether `year` is a Gregorian leap year.
const fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Number of days in `month` (1-based) of `year`.
const fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of the given civil date (month and day 1-based and
/// already validated).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    // Shift the year so it starts in March; February's leap day then ends it.
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400); // [0, 399]
    let month_from_march = i64::from((month + 9) % 12); // March = 0
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1; // [0, 365]
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    // 719_468 days separate 0000-03-01 from 1970-01-01.
    era * 146_097 + day_of_era - 719_468
}

/// Civil date `(year, month, day)` of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097); // [0, 146096]
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153; // [0, 11]
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Validates civil fields and converts them to seconds since the epoch.
fn secs_from_civil(year: i64, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Result<i64, String> {
    if !(1..=12).contains(&month) {
        return Err(format!("month {month:02} is out of range (01-12)"));
    }
    let month_days = days_in_month(year, month);
    if !(1..=month_days).contains(&day) {
        return Err(format!("day {day:02} is out of range for {year:04}-{month:02} (01-{month_days})"));
    }
    if hour > 23 {
        return Err(format!("hour {hour:02} is out of range (00-23)"));
    }
    if minute > 59 {
        return Err(format!("minute {minute:02} is out of range (00-59)"));
    }
    if second > 60 {
        return Err(format!("second {second:02} is out of range (00-60)"));
    }
    // Leap seconds are not representable; clamp to the last regular second.
    let second = second.min(59);
    let days = days_from_civil(year, month, day);
    Ok(days * SECS_PER_DAY + i64::from(hour * 3_600 + minute * 60 + second))
}

// ---------------------------------------------------------------------------
// Parsing.
// ---------------------------------------------------------------------------

/// A byte cursor producing human-readable error reasons.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(input: &'a str) -> Self {
        Self { bytes: input.as_bytes(), pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn found(&self) -> String {
        match self.peek() {
            None => "the end of the input".to_owned(),
            Some(b) if b.is_ascii_graphic() || b == b' ' => format!("'{}'", char::from(b)),
            Some(_) => "a non-ASCII or control character".to_owned(),
        }
    }

    fn error(&self, expected: &str) -> String {
        format!("expected {expected} at position {}, found {}", self.pos + 1, self.found())
    }

    /// Consumes exactly `count` ASCII digits.
    fn digits(&mut self, count: usize, what: &str) -> Result<u32, String> {
        let mut value = 0u32;
        for _ in 0..count {
            match self.peek() {
                Some(b @ b'0'..=b'9') => {
                    value = value * 10 + u32::from(b - b'0');
                    self.pos += 1;
                }
                _ => return Err(self.error(&format!("{count} digits of the {what}"))),
            }
        }
        Ok(value)
    }

    /// Consumes one byte from `allowed`, returning it.
    fn one_of(&mut self, allowed: &[u8], expected: &str) -> Result<u8, String> {
        match self.peek() {
            Some(b) if allowed.contains(&b) => {
                self.pos += 1;
                Ok(b)
            }
            _ => Err(self.error(expected)),
        }
    }

    /// Consumes a three-letter name and returns its index in `names`
    /// (matched ASCII case-insensitively).
    fn name(&mut self, names: &[&str], what: &str) -> Result<usize, String> {
        let start = self.pos;
        let end = start + 3;
        let word = self.bytes.get(start..end);
        let index = word.and_then(|word| names.iter().position(|name| name.as_bytes().eq_ignore_ascii_case(word)));
        match index {
            Some(index) => {
                self.pos = end;
                Ok(index)
            }
            None => Err(self.error(&format!("a {what} ({})", names.join(", ")))),
        }
    }

    /// Consumes `HH:MM:SS[.fraction]`, returning the fields and nanoseconds.
    fn time(&mut self) -> Result<(u32, u32, u32, u32), String> {
        let hour = self.digits(2, "hour")?;
        self.one_of(b":", "':' after the hour")?;
        let minute = self.digits(2, "minute")?;
        self.one_of(b":", "':' after the minute")?;
        let second = self.digits(2, "second")?;
        let nanos = if self.peek() == Some(b'.') {
            self.pos += 1;
            self.fraction()?
        } else {
            0
        };
        Ok((hour, minute, second, nanos))
    }

    /// Consumes 1 to 9 fraction digits and scales them to nanoseconds.
    fn fraction(&mut self) -> Result<u32, String> {
        let start = self.pos;
        let mut value = 0u32;
        while let Some(b @ b'0'..=b'9') = self.peek() {
            if self.pos - start == 9 {
                return Err(format!("the fraction of a second starting at position {} has more than 9 digits", start + 1));
            }
            value = value * 10 + u32::from(b - b'0');
            self.pos += 1;
        }
        let count = self.pos - start;
        if count == 0 {
            return Err(self.error("a digit after '.'"));
        }
        Ok(value * 10u32.pow((9 - count) as u32))
    }

    fn end(&self) -> Result<(), String> {
        if self.pos == self.bytes.len() { Ok(()) } else { Err(self.error("the end of the input")) }
    }
}

fn parse_rfc3339_inner(input: &str) -> Result<DateTime, String> {
    let mut c = Cursor::new(input);
    let year = c.digits(4, "year")?;
    c.one_of(b"-", "'-' after the year")?;
    let month = c.digits(2, "month")?;
    c.one_of(b"-", "'-' after the month")?;
    let day = c.digits(2, "day")?;
    c.one_of(b"Tt", "'T' between the date and the time")?;
    let (hour, minute, second, nanos) = c.time()?;
    let offset = match c.peek() {
        Some(b'Z' | b'z') => {
            c.pos += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            c.pos += 1;
            let offset_hour = c.digits(2, "offset hour")?;
            c.one_of(b":", "':' in the UTC offset")?;
            let offset_minute = c.digits(2, "offset minute")?;
            if offset_hour > 23 {
                return Err(format!("offset hour {offset_hour:02} is out of range (00-23)"));
            }
            if offset_minute > 59 {
                return Err(format!("offset minute {offset_minute:02} is out of range (00-59)"));
            }
            let offset = i64::from(offset_hour * 3_600 + offset_minute * 60);
            if sign == b'-' { -offset } else { offset }
        }
        _ => return Err(c.error("'Z' or a UTC offset like '+05:30'")),
    };
    c.end()?;
    let local = secs_from_civil(i64::from(year), month, day, hour, minute, second)?;
    Ok(DateTime { secs: local - offset, nanos })
}

fn parse_http_date_inner(input: &str) -> Result<DateTime, String> {
    let mut c = Cursor::new(input);
    c.name(&DAY_NAMES, "day name")?;
    c.one_of(b",", "',' after the day name")?;
    c.one_of(b" ", "' ' after the day name")?;
    let day = c.digits(2, "day")?;
    c.one_of(b" ", "' ' after the day")?;
    let month = c.name(&MONTH_NAMES, "month name")? as u32 + 1;
    c.one_of(b" ", "' ' after the month")?;
    let year = c.digits(4, "year")?;
    c.one_of(b" ", "' ' after the year")?;
    let (hour, minute, second, nanos) = c.time()?;
    c.one_of(b" ", "' GMT' after the time")?;
    if c.bytes.get(c.pos..c.pos + 3).is_some_and(|zone| zone.eq_ignore_ascii_case(b"GMT")) {
        c.pos += 3;
    } else {
        return Err(c.error("'GMT'"));
    }
    c.end()?;
    let secs = secs_from_civil(i64::from(year), month, day, hour, minute, second)?;
    Ok(DateTime { secs, nanos })
}

/// Parses `[+-]digits[.digits]` into a date-time.
fn parse_decimal_seconds(input: &str) -> Result<DateTime, String> {
    let mut c = Cursor::new(input);
    let negative = match c.peek() {
        Some(b'-') => {
            c.pos += 1;
            true
        }
        Some(b'+') => {
            c.pos += 1;
            false
        }
        _ => false,
    };
    let out_of_range = || format!("epoch seconds `{input}` are out of range");
    let int_start = c.pos;
    let mut whole: i128 = 0;
    while let Some(b @ b'0'..=b'9') = c.peek() {
        whole = whole
            .checked_mul(10)
            .and_then(|w| w.checked_add(i128::from(b - b'0')))
            .filter(|w| *w <= i128::from(i64::MAX) + 1)
            .ok_or_else(out_of_range)?;
        c.pos += 1;
    }
    if c.pos == int_start {
        return Err(c.error("a digit"));
    }
    let mut frac: i128 = 0;
    if c.peek() == Some(b'.') {
        c.pos += 1;
        let frac_start = c.pos;
        while let Some(b @ b'0'..=b'9') = c.peek() {
            let index = c.pos - frac_start;
            if index < 9 {
                frac += i128::from(b - b'0') * 10i128.pow(8 - index as u32);
            }
            c.pos += 1;
        }
        if c.pos == frac_start {
            return Err(c.error("a digit after '.'"));
        }
    }
    c.end()?;
    let magnitude = whole * NANOS_PER_SEC_I128 + frac;
    let total = if negative { -magnitude } else { magnitude };
    DateTime::from_total_nanos(total).ok_or_else(out_of_range)
}

// ---------------------------------------------------------------------------
// Formatting helpers.
// ---------------------------------------------------------------------------

/// Appends the last `width` decimal digits of `value`, zero-padded.
fn push_digits(out: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = value / 10u32.pow(place) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

fn push_year(out: &mut String, year: i64) {
    if (0..=9999).contains(&year) {
        push_digits(out, year as u32, 4);
    } else {
        out.push_str(&format!("{year:+05}"));
    }
}

fn push_two(out: &mut String, separator: char, value: u32) {
    out.push(separator);
    push_digits(out, value, 2);
}

/// `hh:mm:ss` after `separator`, or `hhmmss` when `colons` is false.
fn push_clock(out: &mut String, separator: char, secs_of_day: u32, colons: bool) {
    out.push(separator);
    for (i, part) in [secs_of_day / 3_600, secs_of_day / 60 % 60, secs_of_day % 60].into_iter().enumerate() {
        if colons && i > 0 {
            out.push(':');
        }
        push_digits(out, part, 2);
    }
}

fn push_time(out: &mut String, separator: char, secs_of_day: u32) {
    push_clock(out, separator, secs_of_day, true);
}

/// Appends `.fraction` with trailing zeros trimmed, or nothing for zero.
fn push_fraction(out: &mut String, nanos: u32) {
    if nanos == 0 {
        return;
    }
    let digits = format!("{nanos:09}");
    out.push('.');
    out.push_str(digits.trim_end_matches('0'));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc(s: &str) -> DateTime {
        match DateTime::parse_rfc3339(s) {
            Ok(v) => v,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn rfc3339_basic_and_round_trip() {
        let t = rfc("2019-12-16T23:48:18Z");
        assert_eq!(t.secs(), 1_576_540_098);
        assert_eq!(t.subsec_nanos(), 0);
        assert_eq!(t.to_rfc3339(), "2019-12-16T23:48:18Z");
        assert_eq!(t.to_string(), "2019-12-16T23:48:18Z");
        assert_eq!("2019-12-16T23:48:18Z".parse::<DateTime>(), Ok(t));
    }

    #[test]
    fn rfc3339_lowercase_and_fractions() {
        let t = rfc("2019-12-16t23:48:18.5z");
        assert_eq!(t, DateTime::from_parts(1_576_540_098, 500_000_000));
        assert_eq!(t.to_rfc3339(), "2019-12-16T23:48:18.5Z");
        assert_eq!(rfc("1970-01-01T00:00:00.123Z").to_rfc3339(), "1970-01-01T00:00:00.123Z");
        let tiny = rfc("1970-01-01T00:00:00.000000001Z");
        assert_eq!(tiny.subsec_nanos(), 1);
        assert_eq!(tiny.to_rfc3339(), "1970-01-01T00:00:00.000000001Z");
        assert_eq!(rfc("1970-01-01T00:00:00.1Z").subsec_nanos(), 100_000_000);
        assert_eq!(rfc("1970-01-01T00:00:00.999999999Z").subsec_nanos(), 999_999_999);
    }

    #[test]
    fn rfc3339_offsets() {
        let t = rfc("2024-01-01T05:30:00+05:30");
        assert_eq!(t, rfc("2024-01-01T00:00:00Z"));
        let t = rfc("2023-12-31T19:00:00-05:00");
        assert_eq!(t, rfc("2024-01-01T00:00:00Z"));
        assert_eq!(rfc("2024-01-01T00:00:00-00:00"), rfc("2024-01-01T00:00:00Z"));
        assert_eq!(rfc("2024-01-01T00:00:00.25+01:00").subsec_nanos(), 250_000_000);
    }

    #[test]
    fn rfc3339_leap_days() {
        let t = rfc("2024-02-29T12:00:00Z");
        assert_eq!(t.to_rfc3339(), "2024-02-29T12:00:00Z");
        assert_eq!(rfc("2000-02-29T00:00:00Z").to_rfc3339(), "2000-02-29T00:00:00Z");
        let err = DateTime::parse_rfc3339("2023-02-29T00:00:00Z").unwrap_err();
        assert!(err.to_string().contains("day 29"), "{err}");
        assert!(err.to_string().contains("2023-02-29T00:00:00Z"), "{err}");
        assert!(DateTime::parse_rfc3339("1900-02-29T00:00:00Z").is_err());
        assert!(DateTime::parse_rfc3339("2023-04-31T00:00:00Z").is_err());
    }

    #[test]
    fn rfc3339_pre_epoch() {
        let t = rfc("1969-12-31T23:59:59Z");
        assert_eq!(t.secs(), -1);
        let t = rfc("1969-12-31T23:59:59.5Z");
        assert_eq!((t.secs(), t.subsec_nanos()), (-1, 500_000_000));
        assert_eq!(t.to_rfc3339(), "1969-12-31T23:59:59.5Z");
        let t = rfc("1900-01-01T00:00:00Z");
        assert_eq!(t.secs(), -2_208_988_800);
        assert_eq!(t.to_rfc3339(), "1900-01-01T00:00:00Z");
    }

    #[test]
    fn rfc3339_extreme_years() {
        let max = rfc("9999-12-31T23:59:59.999999999Z");
        assert_eq!(max.secs(), 253_402_300_799);
        assert_eq!(max.to_rfc3339(), "9999-12-31T23:59:59.999999999Z");
        let min = rfc("0001-01-01T00:00:00Z");
        assert_eq!(min.secs(), -62_135_596_800);
        assert_eq!(min.to_rfc3339(), "0001-01-01T00:00:00Z");
        assert_eq!(rfc("0000-01-01T00:00:00Z").to_rfc3339(), "0000-01-01T00:00:00Z");
        // Outside RFC 3339's range: expanded ISO form, no panic.
        assert_eq!(DateTime::from_secs(253_402_300_800).to_rfc3339(), "+10000-01-01T00:00:00Z");
        assert!(DateTime::from_secs(i64::MIN).to_rfc3339().starts_with('-'));
        assert!(DateTime::from_secs(i64::MAX).to_http_date().ends_with("GMT"));
    }

    #[test]
    fn every_day_round_trips_through_the_calendar() {
        // Every day of years 0001..=9999 (and a little beyond) is consistent.
        let first = days_from_civil(1, 1, 1);
        let last = days_from_civil(9999, 12, 31);
        let mut expected = (1i64, 1u32, 1u32);
        for days in first..=last {
            let civil = civil_from_days(days);
            assert_eq!(civil, expected);
            assert_eq!(days_from_civil(civil.0, civil.1, civil.2), days);
            let (y, m, d) = expected;
            expected = if d < days_in_month(y, m) {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
    }

    #[test]
    fn rfc3339_leap_second_clamps() {
        assert_eq!(rfc("2016-12-31T23:59:60Z"), rfc("2016-12-31T23:59:59Z"));
        assert!(DateTime::parse_rfc3339("2016-12-31T23:59:61Z").is_err());
    }

    #[test]
    fn rfc3339_rejects_garbage() {
        let cases = [
            ("", "year"),
            ("garbage", "year"),
            ("2019-13-01T00:00:00Z", "month 13"),
            ("2019-00-01T00:00:00Z", "month 00"),
            ("2019-01-00T00:00:00Z", "day 00"),
            ("2019-01-01T24:00:00Z", "hour 24"),
            ("2019-01-01T00:60:00Z", "minute 60"),
            ("2019-01-01 00:00:00Z", "'T'"),
            ("2019-01-01T00:00:00", "'Z' or a UTC offset"),
            ("2019-01-01T00:00:00.Z", "digit after '.'"),
            ("2019-01-01T00:00:00.1234567891Z", "more than 9 digits"),
            ("2019-01-01T00:00:00+2:00", "offset hour"),
            ("2019-01-01T00:00:00+24:00", "offset hour 24"),
            ("2019-01-01T00:00:00+05:60", "offset minute 60"),
            ("2019-01-01T00:00:00Zjunk", "end of the input"),
            ("2019-1-01T00:00:00Z", "month"),
            ("２019-01-01T00:00:00Z", "non-ASCII"),
        ];
        for (input, needle) in cases {
            let err = match DateTime::parse_rfc3339(input) {
                Ok(v) => panic!("{input:?} parsed as {v}"),
                Err(e) => e.to_string(),
            };
            assert!(err.contains(needle), "{input:?}: {err}");
            assert!(err.contains("RFC 3339"), "{err}");
            assert!(err.contains(&format!("`{input}`")), "{err}");
        }
    }

    #[test]
    fn error_echo_is_truncated() {
        let long = "x".repeat(500);
        let err = DateTime::parse_rfc3339(&long).unwrap_err();
        assert!(err.to_string().len() < 250, "{err}");
        assert!(err.to_string().contains('…'));
        assert!(err.reason().contains("year"));
    }

    #[test]
    fn http_date_round_trip() {
        let t = DateTime::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(t, rfc("1994-11-06T08:49:37Z"));
        assert_eq!(t.to_http_date(), "Sun, 06 Nov 1994 08:49:37 GMT");
        let t = rfc("2014-04-29T18:30:38.123456Z");
        assert_eq!(t.to_http_date(), "Tue, 29 Apr 2014 18:30:38.123 GMT");
        let parsed = DateTime::parse_http_date(&t.to_http_date()).unwrap();
        assert_eq!(parsed, rfc("2014-04-29T18:30:38.123Z"));
        assert_eq!(rfc("2014-04-29T18:30:38.5Z").to_http_date(), "Tue, 29 Apr 2014 18:30:38.5 GMT");
        // Sub-millisecond parts are not printed.
        assert_eq!(DateTime::from_parts(0, 999).to_http_date(), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(rfc("1969-12-31T00:00:00Z").to_http_date(), "Wed, 31 Dec 1969 00:00:00 GMT");
        assert_eq!(rfc("2024-02-29T23:59:59Z").to_http_date(), "Thu, 29 Feb 2024 23:59:59 GMT");
    }

    #[test]
    fn http_date_every_weekday_round_trips() {
        for offset in 0..14 {
            let t = DateTime::from_secs(1_700_000_000 + offset * SECS_PER_DAY);
            assert_eq!(DateTime::parse_http_date(&t.to_http_date()), Ok(t));
        }
    }

    #[test]
    fn http_date_leniency_and_errors() {
        // Wrong weekday is accepted, names are case-insensitive.
        let t = DateTime::parse_http_date("mon, 06 NOV 1994 08:49:37 gmt").unwrap();
        assert_eq!(t, rfc("1994-11-06T08:49:37Z"));
        let t = DateTime::parse_http_date("Sun, 06 Nov 1994 08:49:37.25 GMT").unwrap();
        assert_eq!(t.subsec_nanos(), 250_000_000);
        let cases = [
            ("Sunday, 06 Nov 1994 08:49:37 GMT", "','"),
            ("Foo, 06 Nov 1994 08:49:37 GMT", "day name"),
            ("Sun, 06 Noo 1994 08:49:37 GMT", "month name"),
            ("Sun, 6 Nov 1994 08:49:37 GMT", "day"),
            ("Sun, 31 Nov 1994 08:49:37 GMT", "day 31"),
            ("Sun, 06 Nov 1994 08:49:37 UTC", "'GMT'"),
            ("Sun, 06 Nov 1994 08:49:37", "' GMT'"),
            ("Sun, 06 Nov 1994 25:49:37 GMT", "hour 25"),
            ("Sun, 06 Nov 1994 08:49:37 GMT ", "end of the input"),
            ("", "day name"),
        ];
        for (input, needle) in cases {
            let err = match DateTime::parse_http_date(input) {
                Ok(v) => panic!("{input:?} parsed as {v}"),
                Err(e) => e.to_string(),
            };
            assert!(err.contains(needle), "{input:?}: {err}");
            assert!(err.contains("HTTP date"), "{err}");
        }
    }

    #[test]
    fn epoch_seconds_parse_and_format() {
        let t = DateTime::parse_epoch_seconds("1515531081").unwrap();
        assert_eq!(t, DateTime::from_secs(1_515_531_081));
        assert_eq!(t.to_epoch_seconds_string(), "1515531081");
        let t = DateTime::parse_epoch_seconds("1515531081.123").unwrap();
        assert_eq!(t, DateTime::from_parts(1_515_531_081, 123_000_000));
        assert_eq!(t.to_epoch_seconds_string(), "1515531081.123");
        let t = DateTime::parse_epoch_seconds("-1.5").unwrap();
        assert_eq!((t.secs(), t.subsec_nanos()), (-2, 500_000_000));
        assert_eq!(t.to_epoch_seconds_string(), "-1.5");
        let t = DateTime::parse_epoch_seconds("-0.25").unwrap();
        assert_eq!(t.to_epoch_seconds_string(), "-0.25");
        assert_eq!(t.to_rfc3339(), "1969-12-31T23:59:59.75Z");
        assert_eq!(DateTime::parse_epoch_seconds("+1.0000000019").unwrap(), DateTime::from_parts(1, 1));
        assert_eq!(DateTime::parse_epoch_seconds("-9223372036854775808").unwrap().secs(), i64::MIN);
        for bad in ["", "-", "abc", "1.", ".5", "1e9", "1.5.5", "12 ", "99999999999999999999"] {
            let err = DateTime::parse_epoch_seconds(bad).unwrap_err().to_string();
            assert!(err.contains("epoch seconds"), "{bad:?}: {err}");
        }
        assert!(DateTime::parse_epoch_seconds("9223372036854775808").unwrap_err().to_string().contains("out of range"));
    }

    #[test]
    fn float_seconds() {
        let t = DateTime::from_secs_f64(1_515_531_081.123).unwrap();
        assert_eq!(t, DateTime::from_parts(1_515_531_081, 123_000_000));
        assert_eq!(t.as_secs_f64(), 1_515_531_081.123);
        let t = DateTime::from_secs_f64(-1.5).unwrap();
        assert_eq!((t.secs(), t.subsec_nanos()), (-2, 500_000_000));
        assert_eq!(t.as_secs_f64(), -1.5);
        assert_eq!(DateTime::from_secs_f64(0.0), Some(DateTime::default()));
        assert_eq!(DateTime::from_secs_f64(-0.0), Some(DateTime::default()));
        assert_eq!(DateTime::from_secs_f64(f64::NAN), None);
        assert_eq!(DateTime::from_secs_f64(f64::INFINITY), None);
        assert_eq!(DateTime::from_secs_f64(1e300), None);
        assert_eq!(DateTime::from_secs_f64(5e-324), Some(DateTime::default()));
        // The fast paths agree with reading the `Display` text, except where
        // two shortest decimals are equally near (`884812932564.40625`:
        // `Display` writes ...4063, the formatter ...4062); both read back
        // as the same value.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let value = match i % 4 {
                0 => (x % 4_000_000_000) as f64 / 1000.0,
                1 => f64::from_bits(x) % 1e12,
                2 => (x % 100_000) as f64 * 1e-7,
                _ => -((x % 10_000_000_000) as f64) / 7.0,
            };
            if !value.is_finite() {
                continue;
            }
            let ours = DateTime::from_secs_f64(value).unwrap();
            if Some(ours) != parse_decimal_seconds(&value.to_string()).ok() {
                assert_eq!(ours.to_epoch_seconds_string().parse::<f64>(), Ok(value), "{value}");
            }
        }
    }

    #[test]
    fn from_parts_normalises() {
        let t = DateTime::from_parts(10, 2_500_000_000);
        assert_eq!((t.secs(), t.subsec_nanos()), (12, 500_000_000));
        let t = DateTime::from_parts(i64::MAX, 1_000_000_000);
        assert_eq!((t.secs(), t.subsec_nanos()), (i64::MAX, 999_999_999));
        assert_eq!(DateTime::default(), DateTime::from_secs(0));
    }

    #[test]
    fn ordering_is_chronological() {
        let a = rfc("1969-12-31T23:59:59.9Z");
        let b = rfc("1970-01-01T00:00:00Z");
        let c = rfc("1970-01-01T00:00:00.1Z");
        assert!(a < b && b < c);
    }

    #[test]
    fn system_time_conversions() {
        let t = rfc("2024-02-29T12:34:56.789Z");
        let st = SystemTime::try_from(t).unwrap();
        assert_eq!(DateTime::from(st), t);
        let before = rfc("1969-07-20T20:17:40.5Z");
        let st = SystemTime::try_from(before).unwrap();
        assert_eq!(UNIX_EPOCH.duration_since(st).unwrap(), Duration::new(14_182_939, 500_000_000));
        assert_eq!(DateTime::from(st), before);
        assert_eq!(DateTime::from(UNIX_EPOCH), DateTime::default());
        // Whether the extremes fit depends on the platform; either way no panic.
        for extreme in [DateTime::from_secs(i64::MIN), DateTime::from_parts(i64::MAX, 999_999_999)] {
            if let Ok(st) = SystemTime::try_from(extreme) {
                assert_eq!(DateTime::from(st), extreme);
            }
        }
        let err = DateTimeRangeError { value: DateTime::from_secs(0) };
        assert_eq!(err.to_string(), "date-time 1970-01-01T00:00:00Z is out of the range representable by std::time::SystemTime");
    }

    #[test]
    fn serde_round_trip() {
        let t = DateTime::from_secs(1_515_531_081);
        assert_eq!(serde_json::to_string(&t).unwrap(), "1515531081");
        let t = DateTime::from_parts(1_515_531_081, 123_000_000);
        assert_eq!(serde_json::to_string(&t).unwrap(), "1515531081.123");
        assert_eq!(serde_json::from_str::<DateTime>("1515531081.123").unwrap(), t);
        let t = DateTime::from_parts(-2, 500_000_000);
        assert_eq!(serde_json::to_string(&t).unwrap(), "-1.5");
        assert_eq!(serde_json::from_str::<DateTime>("-1.5").unwrap(), t);
    }

    #[test]
    fn zoneless_iso_is_utc() {
        let t = DateTimeVisitor::parse_any("2026-11-23T03:35:05.003991").unwrap();
        assert_eq!(t, DateTime::parse_rfc3339("2026-11-23T03:35:05.003991Z").unwrap());
        assert!(DateTimeVisitor::parse_any("2026-11-23T03:35").is_err());
        // Found by the coverage-guided fuzzer: byte 19 inside a character.
        assert!(DateTimeVisitor::parse_any("2026-11-24T10:00\u{ca4dc}G").is_err());
    }

    #[test]
    fn lenient_deserialize() {
        let expected = rfc("2018-01-09T20:51:21Z");
        for json in [
            "1515531081",
            "1515531081.0",
            "\"2018-01-09T20:51:21Z\"",
            "\"2018-01-09T21:51:21+01:00\"",
            "\"Tue, 09 Jan 2018 20:51:21 GMT\"",
            "\"1515531081\"",
        ] {
            assert_eq!(serde_json::from_str::<DateTime>(json).unwrap(), expected, "{json}");
        }
        let err = serde_json::from_str::<DateTime>("true").unwrap_err().to_string();
        assert!(err.contains("epoch seconds"), "{err}");
        let err = serde_json::from_str::<DateTime>("\"2018-13-09T20:51:21Z\"").unwrap_err().to_string();
        assert!(err.contains("month 13"), "{err}");
        let err = serde_json::from_str::<DateTime>("\"Tue, 09 Jan 2018\"").unwrap_err().to_string();
        assert!(err.contains("HTTP date"), "{err}");
        let err = serde_json::from_str::<DateTime>("\"soon\"").unwrap_err().to_string();
        assert!(err.contains("RFC 3339"), "{err}");
        let err = serde_json::from_str::<DateTime>("18446744073709551615").unwrap_err().to_string();
        assert!(err.contains("out of range"), "{err}");
    }
}
