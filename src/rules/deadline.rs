//! A per-file time budget for the rule walk, checked cooperatively: the walk asks the
//! deadline between nodes and stops when it has passed, so a pathological file becomes a
//! per-file error instead of an endless wait, and the engine stays single-threaded and pure
//! (it reads the clock, nothing more).

use std::time::Instant;

/// Nodes walked between two looks at the clock: cheap enough, and a thousand nodes take
/// far less than a millisecond.
const NODES_PER_LOOK: u32 = 1024;

/// The analysis of a file ran past its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfTime;

pub struct Deadline {
    at: Option<Instant>,
    /// Nodes left before the next look at the clock (0: look at the first node).
    countdown: u32,
    passed: bool,
}

impl Deadline {
    /// No deadline: the walk always finishes.
    pub fn none() -> Self {
        Self::at(None)
    }

    pub fn at(at: Option<Instant>) -> Self {
        Self {
            at,
            countdown: 0,
            passed: false,
        }
    }

    /// Called once per node: whether the walk must stop.
    pub fn passed(&mut self) -> bool {
        let Some(at) = self.at else { return false };
        if !self.passed {
            if self.countdown == 0 {
                self.countdown = NODES_PER_LOOK;
                self.passed = Instant::now() >= at;
            }
            self.countdown -= 1;
        }
        self.passed
    }

    pub fn result<T>(&self, value: T) -> Result<T, OutOfTime> {
        if self.passed {
            Err(OutOfTime)
        } else {
            Ok(value)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn a_deadline_in_the_past_stops_the_walk_at_once() {
        let mut deadline = Deadline::at(Some(Instant::now()));
        assert!(deadline.passed());
        assert_eq!(deadline.result(()), Err(OutOfTime));
    }

    #[test]
    fn no_deadline_never_passes() {
        let mut deadline = Deadline::none();
        assert!((0..5000).all(|_| !deadline.passed()));
        assert_eq!(deadline.result(7), Ok(7));
    }
}
