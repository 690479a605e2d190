//! Typed test doubles (feature `test-util`): rules that answer an operation
//! with a typed output or error, decided from the typed input, without HTTP.
//!
//! Each service crate generates a thin `testing::Mock` with one `on_<operation>()`
//! per operation that starts a [`RuleBuilder`] here; a client built from the
//! mock asks [`Mocks::answer`] instead of sending. Rules are tried in the
//! order they were added; the first whose operation and matcher accept the
//! input answers. A call no rule accepts fails with a
//! [`Config`](crate::ErrorKind::Config) error naming the operation and input.

use crate::error::Error;
use std::any::Any;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard};

/// Whether a rule applies to an input.
type Matcher<I> = Box<dyn Fn(&I) -> bool + Send + Sync>;

/// A type-erased answer: `None` when the rule does not accept the input.
type Answer = Arc<dyn Fn(&dyn Any) -> Option<Box<dyn Any>> + Send + Sync>;

struct Rule {
    operation: &'static str,
    answer: Answer,
}

/// The rules of one test double.
#[derive(Default)]
pub struct Mocks {
    rules: Mutex<Vec<Rule>>,
}

impl fmt::Debug for Mocks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.lock().iter().map(|r| r.operation)).finish()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking matcher cannot leave the lists half-updated.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Mocks {
    /// No rules: every call fails as unmatched.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Rule>> {
        lock(&self.rules)
    }

    /// The answer of the first rule for `operation` that accepts `input`,
    /// or an error saying that none does.
    pub fn answer<I, O, E>(&self, operation: &'static str, input: &I) -> Result<O, E>
    where
        I: fmt::Debug + 'static,
        O: 'static,
        E: From<Error> + 'static,
    {
        // Run the user's closures without holding the lock.
        let candidates: Vec<Answer> = self.lock().iter().filter(|r| r.operation == operation).map(|r| r.answer.clone()).collect();
        for answer in &candidates {
            if let Some(result) = answer(input) {
                return match result.downcast::<Result<O, E>>() {
                    Ok(result) => *result,
                    Err(_) => Err(E::from(Error::config(format!("the mock rule for `{operation}` answers with other types")))),
                };
            }
        }
        let others: Vec<&str> = self.lock().iter().map(|r| r.operation).filter(|o| *o != operation).collect();
        Err(E::from(Error::config(format!(
            "no mock rule matches this `{operation}` call ({} rule(s) for `{operation}` declined; rules for other operations: {others:?}); input: {input:?}",
            candidates.len()
        ))))
    }

    fn add(&self, operation: &'static str, answer: Answer) {
        self.lock().push(Rule { operation, answer });
    }
}

/// A rule being built: for the operation, optionally only for inputs a
/// matcher accepts; finished by one of the `returns*`/`answers` methods.
#[must_use = "a rule is added by `returns`, `returns_error` or `answers`"]
pub struct RuleBuilder<I, O, E> {
    mocks: Arc<Mocks>,
    operation: &'static str,
    matcher: Option<Matcher<I>>,
    types: PhantomData<fn() -> (O, E)>,
}

impl<I, O, E> fmt::Debug for RuleBuilder<I, O, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuleBuilder").field("operation", &self.operation).finish_non_exhaustive()
    }
}

impl<I, O, E> RuleBuilder<I, O, E>
where
    I: Clone + Send + 'static,
    O: 'static,
    E: 'static,
{
    /// A rule for `operation` (its name as in the spec) of `mocks`.
    pub fn new(mocks: Arc<Mocks>, operation: &'static str) -> Self {
        RuleBuilder { mocks, operation, matcher: None, types: PhantomData }
    }

    /// Applies the rule only to inputs `matcher` accepts.
    pub fn matching(mut self, matcher: impl Fn(&I) -> bool + Send + Sync + 'static) -> Self {
        self.matcher = Some(Box::new(matcher));
        self
    }

    /// Answers every accepted call with (a clone of) `output`.
    pub fn returns(self, output: O) -> MockRule<I>
    where
        O: Clone + Send + Sync,
    {
        self.answers(move |_| Ok(output.clone()))
    }

    /// Answers every accepted call with (a clone of) `error`, e.g. a
    /// modeled error variant of the operation's error enum.
    pub fn returns_error(self, error: E) -> MockRule<I>
    where
        E: Clone + Send + Sync,
    {
        self.answers(move |_| Err(error.clone()))
    }

    /// Answers every accepted call with what `answer` makes of the input.
    pub fn answers(self, answer: impl Fn(&I) -> Result<O, E> + Send + Sync + 'static) -> MockRule<I> {
        let inputs: Arc<Mutex<Vec<I>>> = Arc::default();
        let seen = inputs.clone();
        let matcher = self.matcher;
        let erased: Answer = Arc::new(move |input: &dyn Any| {
            let input = input.downcast_ref::<I>()?;
            if !matcher.as_ref().is_none_or(|m| m(input)) {
                return None;
            }
            lock(&seen).push(input.clone());
            Some(Box::new(answer(input)) as Box<dyn Any>)
        });
        self.mocks.add(self.operation, erased);
        MockRule { inputs }
    }
}

/// A rule that was added: what it was asked.
#[derive(Debug)]
pub struct MockRule<I> {
    inputs: Arc<Mutex<Vec<I>>>,
}

impl<I: Clone> MockRule<I> {
    /// The inputs of the calls this rule answered, in order.
    pub fn inputs(&self) -> Vec<I> {
        lock(&self.inputs).clone()
    }

    /// How many calls this rule answered.
    pub fn calls(&self) -> usize {
        lock(&self.inputs).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[derive(Debug, Clone, PartialEq)]
    struct In(u32);

    #[test]
    fn first_accepting_rule_answers_and_records_its_inputs() {
        let mocks = Arc::new(Mocks::new());
        let odd = RuleBuilder::<In, String, Error>::new(mocks.clone(), "Op").matching(|i| i.0 % 2 == 1).returns("odd".to_owned());
        let any = RuleBuilder::<In, String, Error>::new(mocks.clone(), "Op").answers(|i| Ok(format!("any {}", i.0)));
        assert_eq!(mocks.answer::<_, String, Error>("Op", &In(3)).unwrap(), "odd");
        assert_eq!(mocks.answer::<_, String, Error>("Op", &In(4)).unwrap(), "any 4");
        assert_eq!((odd.inputs(), any.calls()), (vec![In(3)], 1));
    }

    #[test]
    fn unmatched_calls_name_the_operation_and_input() {
        let mocks = Arc::new(Mocks::new());
        let _ = RuleBuilder::<In, String, Error>::new(mocks.clone(), "Other").returns("x".to_owned());
        let err = mocks.answer::<_, String, Error>("Op", &In(7)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.message().contains("`Op`") && err.message().contains("In(7)") && err.message().contains("Other"), "{err}");
    }

    #[test]
    fn errors_are_answered_typed() {
        let mocks = Arc::new(Mocks::new());
        let _ = RuleBuilder::<In, String, Error>::new(mocks.clone(), "Op").returns_error(Error::invalid_request("nope"));
        assert_eq!(mocks.answer::<_, String, Error>("Op", &In(1)).unwrap_err().message(), "nope");
    }
}
