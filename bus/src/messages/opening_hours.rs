//! Opening hours: OpenStreetMap `opening_hours` values (`Mo-Fr 08:00-18:00; Sa 09:00-14:00`, `PH off`,
//! `24/7`, `off`, `22:00-02:00` across midnight, …), read and evaluated by the `opening-hours` crate.
//! The plain `HH:MM-HH:MM[, HH:MM-HH:MM]` ranges this stack used before are valid OSM values with the
//! same meaning (every day). No value at all means always open. A value that cannot be read is an
//! error at load time, reported once; such a POI is never proposed (better silent than sending a
//! driver to a closed door), and neither is one whose state is `unknown` at arrival.
//!
//! On the bus a POI carries its value as text (`Poi::opening_hours`), checked where the POI is read;
//! an [`OpeningHours`] is that text parsed once into an evaluator by whoever evaluates it.
//!
//! Evaluating weekday rules needs a local date. The bus carries only a time of day
//! (`VehicleState::time_of_day_s`), so times without a date are taken on
//! [`OpeningHours::DEFAULT_DATE`], an ordinary Wednesday, and a time past midnight falls on the next
//! day: results are the same on every run and every machine. Public holidays (`PH`) are known only
//! for a country given with [`OpeningHours::in_country`] (the crate's embedded holiday tables);
//! without one no day is a public holiday.

use chrono::{NaiveDate, TimeDelta};
use opening_hours::localization::Country;
use opening_hours::{Context, RuleKind};
use std::str::FromStr;
use std::sync::LazyLock;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpeningHours {
    /// No value: always open.
    Always,
    /// A parsed OSM value (boxed: a POI index holds one per POI, most of them `Always`).
    Rules(Box<opening_hours::OpeningHours>),
}

/// One evaluation context without holidays, shared by every parsed value (a fresh one per value
/// would allocate four empty calendars per POI).
static NO_HOLIDAYS: LazyLock<Context> = LazyLock::new(Context::default);

impl OpeningHours {
    /// The date a time without a date is taken on: Wednesday 12 November 2025, an ordinary weekday.
    pub const DEFAULT_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2025, 11, 12) {
        Some(d) => d,
        None => panic!("not a date"),
    };

    /// Parses the `Poi::opening_hours` field (`None` or blank = always open).
    pub fn parse(spec: Option<&str>) -> Result<Self, String> {
        let Some(spec) = spec.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(OpeningHours::Always);
        };
        let rules = opening_hours::OpeningHours::from_str(spec).map_err(|e| {
            format!(
                "'{spec}' is not an OpenStreetMap opening_hours value ({})",
                one_line(&e.to_string())
            )
        })?;
        Ok(OpeningHours::Rules(Box::new(
            rules.with_context(NO_HOLIDAYS.clone()),
        )))
    }

    /// The same hours with the public holidays (`PH`) of a country (ISO 3166 code, e.g. `DE`).
    pub fn in_country(self, iso_code: &str) -> Result<Self, String> {
        let country = Country::from_str(&iso_code.trim().to_ascii_uppercase())
            .map_err(|e| format!("public holidays: {e}"))?;
        Ok(match self {
            OpeningHours::Always => OpeningHours::Always,
            OpeningHours::Rules(rules) => OpeningHours::Rules(Box::new(
                rules.with_context(Context::default().with_holidays(country.holidays())),
            )),
        })
    }

    /// Open at `seconds` after midnight starting `date` (later days past 86 400 s, earlier ones below
    /// 0); whole seconds count. `unknown` is not open.
    pub fn is_open_on(&self, date: NaiveDate, seconds: f64) -> bool {
        let rules = match self {
            OpeningHours::Always => return true,
            OpeningHours::Rules(rules) => rules,
        };
        if !seconds.is_finite() || seconds.abs() > 1e12 {
            return false;
        }
        let at = TimeDelta::try_seconds(seconds.floor() as i64).and_then(|offset| {
            date.and_time(chrono::NaiveTime::MIN)
                .checked_add_signed(offset)
        });
        at.is_some_and(|at| rules.state(at).0 == RuleKind::Open)
    }

    /// Open at `time_of_day_s` on [`Self::DEFAULT_DATE`] (past a day: the days after it).
    pub fn is_open_at(&self, time_of_day_s: f64) -> bool {
        self.is_open_on(Self::DEFAULT_DATE, time_of_day_s)
    }

    /// Open at `at` and still open `for_s` later (so the driver does not arrive at closing time).
    pub fn open_for(&self, at: f64, for_s: f64) -> bool {
        self.is_open_at(at) && self.is_open_at(at + for_s.max(0.0))
    }
}

/// The parser's syntax errors are multi-line drawings (` --> 1:6`, the value, a caret,
/// `= expected …`); an error here is one line: `at character 6: expected …`.
fn one_line(message: &str) -> String {
    let column = message
        .split("-->")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|line_col| line_col.split(':').nth(1));
    let expected = message.lines().find_map(|l| l.trim().strip_prefix("= "));
    match (column, expected) {
        (Some(column), Some(expected)) => format!("at character {column}: {expected}"),
        _ => message.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: f64 = 3600.0;
    const DAY: f64 = 86_400.0;

    fn hours(spec: &str) -> OpeningHours {
        OpeningHours::parse(Some(spec)).expect(spec)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    #[test]
    fn plain_ranges_keep_their_meaning_on_every_day() {
        let h = hours("07:00-12:00, 14:00-22:30");
        assert!(h.is_open_at(8.0 * H));
        assert!(!h.is_open_at(13.0 * H));
        assert!(h.is_open_at(22.0 * H + 1799.0) && !h.is_open_at(22.5 * H));
        assert!(!h.open_for(22.0 * H, 1800.0), "closes in 30 min");
        assert!(h.open_for(21.0 * H, 1800.0));
        for day in 0..7 {
            assert!(h.is_open_at(day as f64 * DAY + 8.0 * H), "day {day}");
        }
        assert!(
            hours("06:30-19:00").is_open_at(68_399.9),
            "whole seconds count"
        );
        assert!(!hours("06:30-19:00").is_open_at(68_400.0));
    }

    #[test]
    fn a_range_across_midnight_spills_into_the_next_day() {
        let night = hours("22:00-02:00");
        assert!(night.is_open_at(23.5 * H) && night.is_open_at(H));
        assert!(!night.is_open_at(12.0 * H) && !night.is_open_at(2.0 * H));
        assert!(night.is_open_at(DAY + H), "the next night");
        // Friday nights only: open early on Saturday, not early on Friday
        let friday = hours("Fr 22:00-02:00");
        assert!(friday.is_open_on(date(2025, 11, 14), 23.0 * H));
        assert!(friday.is_open_on(date(2025, 11, 15), H));
        assert!(!friday.is_open_on(date(2025, 11, 14), H));
    }

    #[test]
    fn weekday_rules_follow_the_date() {
        let h = hours("Mo-Fr 08:00-18:00; Sa 09:00-14:00");
        let (wed, sat, sun) = (date(2025, 11, 12), date(2025, 11, 15), date(2025, 11, 16));
        assert!(h.is_open_on(wed, 17.0 * H) && !h.is_open_on(wed, 19.0 * H));
        assert!(h.is_open_on(sat, 10.0 * H) && !h.is_open_on(sat, 15.0 * H));
        assert!(!h.is_open_on(sun, 10.0 * H));
        assert!(
            h.is_open_on(wed, 3.0 * DAY + 10.0 * H),
            "Wednesday + 3 days = Saturday"
        );
        assert!(h.is_open_at(17.0 * H), "the default date is a weekday");
        assert!(
            h.is_open_on(sat, -DAY + 17.0 * H),
            "the day before Saturday is a Friday"
        );
    }

    #[test]
    fn public_holidays_need_a_country() {
        let h = hours("Mo-Fr 08:00-18:00; PH off");
        let christmas = date(2025, 12, 25); // a Thursday
        assert!(h.is_open_on(christmas, 10.0 * H), "no country: no holidays");
        let de = h.in_country("de").expect("Germany");
        assert!(!de.is_open_on(christmas, 10.0 * H));
        assert!(
            de.is_open_on(date(2025, 12, 18), 10.0 * H),
            "an ordinary Thursday"
        );
        assert!(hours("24/7").in_country("XX").is_err());
        assert_eq!(
            OpeningHours::Always.in_country("DE"),
            Ok(OpeningHours::Always)
        );
    }

    #[test]
    fn always_never_and_unknown() {
        for always in [None, Some(""), Some("  ")] {
            assert_eq!(OpeningHours::parse(always), Ok(OpeningHours::Always));
        }
        for open in ["24/7", "00:00-24:00"] {
            let h = hours(open);
            assert!((0..48).all(|k| h.is_open_at(k as f64 * 1800.0)), "{open}");
        }
        for closed in ["off", "closed"] {
            let h = hours(closed);
            assert!(
                (0..48).all(|k| !h.is_open_at(k as f64 * 1800.0)),
                "{closed}"
            );
        }
        let unsure = hours("08:00-18:00 unknown");
        assert!(!unsure.is_open_at(10.0 * H), "unknown is not open");
        assert!(!hours("24/7").is_open_at(f64::NAN));
        assert!(!hours("24/7").is_open_at(f64::INFINITY));
    }

    #[test]
    fn unreadable_values_are_errors_that_quote_them() {
        for bad in ["9-5", "whenever", "7 to 8", "25:00-26:00", "Mo-Fr 08:00-"] {
            let e = OpeningHours::parse(Some(bad)).expect_err(bad);
            assert!(e.contains(bad) && !e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn syntax_errors_say_where_and_what_was_expected() {
        let e = OpeningHours::parse(Some("open late")).expect_err("not a value");
        assert_eq!(
            e,
            "'open late' is not an OpenStreetMap opening_hours value (at character 6: expected comment)"
        );
    }
}
