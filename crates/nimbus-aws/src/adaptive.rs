//! AWS's adaptive retry mode: standard retries plus a client-side rate
//! limiter that slows a client down once the service throttles it, as the
//! AWS SDKs specify it (a token bucket whose fill rate follows CUBIC: cut to
//! 70 % of the measured send rate at a throttle, then grown back along a
//! cubic curve).
//!
//! Until the first throttling answer the limiter is off and costs one
//! uncontended lock per attempt. Each attempt takes a token before it is
//! signed (waiting for one when the bucket is empty) and reports afterwards
//! whether it was throttled.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The smallest fill rate, tokens per second.
const MIN_FILL_RATE: f64 = 0.5;
/// The smallest bucket.
const MIN_CAPACITY: f64 = 1.0;
/// Weight of the newest measurement of the send rate.
const SMOOTH: f64 = 0.8;
/// The share of the rate kept at a throttle.
const BETA: f64 = 0.7;
/// How fast the rate grows back.
const SCALE_CONSTANT: f64 = 0.4;

/// The limiter of one client.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    start: Instant,
    state: Mutex<State>,
}

#[derive(Debug, Clone, PartialEq)]
struct State {
    fill_rate: f64,
    max_capacity: f64,
    current_capacity: f64,
    last_refill: Option<f64>,
    enabled: bool,
    measured_rate: f64,
    last_rate_bucket: f64,
    requests_in_bucket: u64,
    last_max_rate: f64,
    last_throttle: f64,
    time_window: f64,
}

impl State {
    fn new(now: f64) -> Self {
        State {
            fill_rate: 0.0,
            max_capacity: f64::MAX,
            current_capacity: 0.0,
            last_refill: None,
            enabled: false,
            measured_rate: 0.0,
            last_rate_bucket: (now * 2.0).floor() / 2.0,
            requests_in_bucket: 0,
            last_max_rate: 0.0,
            last_throttle: now,
            time_window: 0.0,
        }
    }

    fn refill(&mut self, now: f64) {
        if let Some(last) = self.last_refill {
            self.current_capacity = self.max_capacity.min(self.current_capacity + (now - last).max(0.0) * self.fill_rate);
        }
        self.last_refill = Some(now);
    }

    /// Takes one token; how long to wait for it (nothing while the limiter
    /// is off or a token is there).
    fn acquire(&mut self, now: f64) -> Option<Duration> {
        if !self.enabled {
            return None;
        }
        self.refill(now);
        let wait = if self.current_capacity < 1.0 { (1.0 - self.current_capacity) / self.fill_rate } else { 0.0 };
        // Taken now, paid for by the wait: the refill after it brings the
        // bucket back to where it would have been.
        self.current_capacity -= 1.0;
        (wait > 0.0).then(|| Duration::from_secs_f64(wait))
    }

    fn measure(&mut self, now: f64) {
        let bucket = (now * 2.0).floor() / 2.0;
        self.requests_in_bucket += 1;
        if bucket > self.last_rate_bucket {
            let rate = self.requests_in_bucket as f64 / (bucket - self.last_rate_bucket);
            self.measured_rate = rate * SMOOTH + self.measured_rate * (1.0 - SMOOTH);
            self.requests_in_bucket = 0;
            self.last_rate_bucket = bucket;
        }
    }

    fn update(&mut self, throttled: bool, now: f64) {
        self.measure(now);
        let rate = if throttled {
            let rate = if self.enabled { self.measured_rate.min(self.fill_rate) } else { self.measured_rate };
            self.last_max_rate = rate;
            self.time_window = (self.last_max_rate * (1.0 - BETA) / SCALE_CONSTANT).cbrt();
            self.last_throttle = now;
            self.enabled = true;
            rate * BETA
        } else {
            self.time_window = (self.last_max_rate * (1.0 - BETA) / SCALE_CONSTANT).cbrt();
            SCALE_CONSTANT * (now - self.last_throttle - self.time_window).powi(3) + self.last_max_rate
        };
        let rate = rate.min(2.0 * self.measured_rate);
        self.refill(now);
        self.fill_rate = rate.max(MIN_FILL_RATE);
        self.max_capacity = rate.max(MIN_CAPACITY);
        self.current_capacity = self.current_capacity.min(self.max_capacity);
    }
}

impl RateLimiter {
    /// A limiter, off until the first throttling answer.
    pub fn new() -> Self {
        RateLimiter { start: Instant::now(), state: Mutex::new(State::new(0.0)) }
    }

    fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent whatever a panicking holder did.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a token (when the limiter is on).
    pub async fn acquire(&self) {
        let wait = self.state().acquire(self.now());
        if let Some(wait) = wait {
            tracing::debug!(?wait, "adaptive retry mode: waiting for the client-side rate limit");
            tokio::time::sleep(wait).await;
        }
    }

    /// Reports how an attempt ended.
    pub fn update(&self, throttled: bool) {
        let now = self.now();
        self.state().update(throttled, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends at `rate` requests per second for `seconds`, throttled when
    /// `throttled(t)`; returns the waits the limiter asked for and its state.
    fn run(state: &mut State, from: f64, seconds: f64, rate: f64, throttled: impl Fn(f64) -> bool) -> Vec<f64> {
        let mut waits = Vec::new();
        let mut t = from;
        while t < from + seconds {
            let wait = state.acquire(t).map_or(0.0, |d| d.as_secs_f64());
            waits.push(wait);
            t += wait;
            state.update(throttled(t), t);
            t += 1.0 / rate;
        }
        waits
    }

    #[test]
    fn off_until_throttled_then_slower_then_growing_back() {
        let mut state = State::new(0.0);
        let waits = run(&mut state, 0.0, 5.0, 20.0, |_| false);
        assert!(waits.iter().all(|w| *w == 0.0) && !state.enabled, "no throttle, no limit");
        let measured = state.measured_rate;
        assert!((18.0..=22.0).contains(&measured), "it measures the send rate: {measured}");

        state.update(true, 5.0);
        assert!(state.enabled);
        assert!((18.0..=22.0).contains(&state.last_max_rate), "the rate at the throttle: {}", state.last_max_rate);
        assert!((state.fill_rate - state.last_max_rate * BETA).abs() < 1e-9, "cut to 70 %: {} of {}", state.fill_rate, state.last_max_rate);
        let throttled_rate = state.fill_rate;

        // Sending faster than the new rate makes the caller wait.
        let waits = run(&mut state, 5.0, 2.0, 40.0, |_| false);
        let waited: f64 = waits.iter().sum();
        assert!(waited > 0.5, "the bucket slows the client down: {waited} s");

        // Without throttles the rate grows back along the cubic curve,
        // past where it was cut (the window brings it back to the old max).
        let before = state.fill_rate;
        run(&mut state, 7.0 + waited, 6.0, 40.0, |_| false);
        assert!(state.fill_rate > before && state.fill_rate > throttled_rate, "{before} -> {}", state.fill_rate);
    }

    #[test]
    fn rates_stay_within_bounds() {
        let mut state = State::new(0.0);
        state.update(true, 0.1);
        assert_eq!(state.fill_rate, MIN_FILL_RATE, "nothing measured yet: the smallest rate");
        assert_eq!(state.max_capacity, MIN_CAPACITY);
        let wait = state.acquire(0.1).expect("an empty bucket waits");
        assert!((wait.as_secs_f64() - 2.0).abs() < 1e-9, "one token at 0.5 per second: {wait:?}");
        let mut limiter = RateLimiter::new();
        limiter.update(false);
        assert!(!limiter.state.get_mut().unwrap().enabled);
    }
}
