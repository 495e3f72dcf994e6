//! Go durations (`"90s"`, `"1h30m"`), the form Terraform timeouts and Flux intervals take:
//! one parser, used by the `duration()` validator, the operation timeouts and the fuzz suite.

use std::time::Duration;

/// The longest duration Go represents (`math.MaxInt64` nanoseconds, about 2562047h47m16s):
/// Flux cannot read a longer one, and an `Instant` deadline that far out may overflow.
pub const GO_MAX: Duration = Duration::new(9_223_372_036, 854_775_807);

/// Parses a Go duration string (`"90s"`, `"1h30m"`, `"1.5h"`, `"0"`); `None` for anything Go's
/// `time.ParseDuration` would refuse, including durations above [`GO_MAX`].
#[must_use]
pub fn parse_go(s: &str) -> Option<Duration> {
    if s == "0" {
        return Some(Duration::ZERO);
    }
    let mut rest = s;
    let mut total = 0f64;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let number: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * scale;
    }
    // Checked before converting: `Duration::from_secs_f64` panics past `u64::MAX` seconds.
    (total <= GO_MAX.as_secs_f64()).then(|| Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_go("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_go("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_go(""), None);
        assert_eq!(parse_go("m"), None);
    }
}
