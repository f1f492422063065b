//! Timestamps from containers, rendered for reports.

/// Seconds since 1970-01-01T00:00:00 UTC as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn unix_utc(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(unix_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(unix_utc(1_714_979_289), "2024-05-06 07:08:09 UTC");
        assert_eq!(unix_utc(-1), "1969-12-31 23:59:59 UTC");
        assert_eq!(unix_utc(951_782_400), "2000-02-29 00:00:00 UTC");
    }
}
