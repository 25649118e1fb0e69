//! The driver's Accept/Decline: checked, sent once per suggestion, and remembered.
//!
//! Several pages (and several HMI processes) may show the same suggestion, and people double-click. The
//! agent must see exactly one `UserResponse` per suggestion, so the first answer wins and every later one
//! is acknowledged as `already_answered` without reaching the bus. Answers seen on the bus (from another
//! HMI) count too. A page can only answer a suggestion this process has seen offered, so a stale or forged
//! id gets a clear error instead of confusing the agent.

use cabin_bus::messages::{Answer, Message, ResponseSource, UserResponse};
use cabin_bus::Sample;
use parking_lot::Mutex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Where an accepted answer goes: the run's input bridge, or the zenoh bus. `Err` says why it could not
/// be delivered (the answer is then not recorded, so the driver can try again).
pub type ResponseSink = Arc<dyn Fn(UserResponse) -> Result<(), String> + Send + Sync>;

/// What became of an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RespondOutcome {
    /// First answer for this suggestion: sent on.
    Forwarded,
    /// The suggestion was answered before; nothing was sent. Carries the answer that counts.
    AlreadyAnswered(Answer),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RespondError {
    #[error("no suggestion {0} has been offered on this bus")]
    UnknownSuggestion(u64),
    #[error("the answer could not be delivered: {0}")]
    Undeliverable(String),
}

/// How many suggestion ids to remember (a drive has a handful; this bounds a hostile flood).
const REMEMBERED: usize = 4096;

#[derive(Default)]
struct Book {
    offered: BTreeSet<u64>,
    answered: BTreeMap<u64, Answer>,
}

/// Turns page requests into at most one `UserResponse` per suggestion.
pub struct Responder {
    book: Mutex<Book>,
    sink: ResponseSink,
}

impl Responder {
    pub fn new(sink: ResponseSink) -> Self {
        Responder {
            book: Mutex::new(Book::default()),
            sink,
        }
    }

    /// Learns from the bus: suggestions offered, answers given (by anyone).
    pub fn observe(&self, sample: &Sample) {
        match &sample.message {
            Message::Suggestion(s) => {
                let mut b = self.book.lock();
                b.offered.insert(s.id);
                while b.offered.len() > REMEMBERED {
                    b.offered.pop_first();
                }
            }
            Message::UserResponse(r) => {
                let mut b = self.book.lock();
                b.answered.entry(r.suggestion_id).or_insert(r.answer);
                while b.answered.len() > REMEMBERED {
                    b.answered.pop_first();
                }
            }
            _ => {}
        }
    }

    /// The driver answers `suggestion_id`.
    pub fn respond(
        &self,
        suggestion_id: u64,
        answer: Answer,
    ) -> Result<RespondOutcome, RespondError> {
        // Held across the send so two pages answering at once cannot both get through.
        let mut b = self.book.lock();
        if let Some(&first) = b.answered.get(&suggestion_id) {
            return Ok(RespondOutcome::AlreadyAnswered(first));
        }
        if !b.offered.contains(&suggestion_id) {
            return Err(RespondError::UnknownSuggestion(suggestion_id));
        }
        (self.sink)(UserResponse {
            suggestion_id,
            answer,
            source: ResponseSource::Touch,
        })
        .map_err(RespondError::Undeliverable)?;
        b.answered.insert(suggestion_id, answer);
        Ok(RespondOutcome::Forwarded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offered(id: u64) -> Sample {
        crate::hmi::tests::suggestion(id, "Fresh air?")
    }

    #[test]
    fn first_answer_wins_and_unknown_ids_are_refused() {
        let sent: Arc<Mutex<Vec<UserResponse>>> = Arc::default();
        let s2 = sent.clone();
        let r = Responder::new(Arc::new(move |u| {
            s2.lock().push(u);
            Ok(())
        }));
        assert_eq!(
            r.respond(5, Answer::Accept),
            Err(RespondError::UnknownSuggestion(5))
        );
        r.observe(&offered(5));
        assert_eq!(r.respond(5, Answer::Decline), Ok(RespondOutcome::Forwarded));
        assert_eq!(
            r.respond(5, Answer::Accept),
            Ok(RespondOutcome::AlreadyAnswered(Answer::Decline))
        );
        assert_eq!(
            *sent.lock(),
            vec![UserResponse {
                suggestion_id: 5,
                answer: Answer::Decline,
                source: ResponseSource::Touch,
            }]
        );
    }

    #[test]
    fn undeliverable_answers_can_be_retried() {
        let ok = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let ok2 = ok.clone();
        let r = Responder::new(Arc::new(move |_| {
            if ok2.load(std::sync::atomic::Ordering::SeqCst) {
                Ok(())
            } else {
                Err("the run has ended".into())
            }
        }));
        r.observe(&offered(1));
        assert!(matches!(
            r.respond(1, Answer::Accept),
            Err(RespondError::Undeliverable(_))
        ));
        ok.store(true, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(r.respond(1, Answer::Accept), Ok(RespondOutcome::Forwarded));
    }
}
