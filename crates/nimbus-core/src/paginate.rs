//! Pagination: a stream of pages that follows the continuation token and
//! stops when it is absent, empty, or repeats; and a stream of the items of
//! those pages.

use futures_util::stream::StreamExt;
pub use futures_util::stream::{BoxStream, Stream};

/// A stream over the items of a vector (for tests and adapters).
pub fn stream_iter<T: Send + 'static>(items: Vec<T>) -> impl Stream<Item = T> + Send {
    futures_util::stream::iter(items)
}

/// The next item of a boxed stream.
pub async fn next<T>(stream: &mut BoxStream<'static, T>) -> Option<T> {
    stream.next().await
}
use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A stream of results (pages or items). It implements
/// [`futures_util::Stream`]; [`next`](Self::next) needs no extra import.
pub struct Paginated<T, E> {
    inner: BoxStream<'static, Result<T, E>>,
}

impl<T, E> std::fmt::Debug for Paginated<T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Paginated")
    }
}

impl<T, E> Paginated<T, E> {
    /// The next page or item; `None` when done. After an error the stream ends.
    pub async fn next(&mut self) -> Option<Result<T, E>> {
        self.inner.next().await
    }

    /// Collects everything, stopping at the first error.
    pub async fn try_collect(mut self) -> Result<Vec<T>, E> {
        let mut out = Vec::new();
        while let Some(item) = self.next().await {
            out.push(item?);
        }
        Ok(out)
    }
}

impl<T: Send + 'static, E: Send + 'static> Paginated<T, E> {
    /// Wraps a boxed stream.
    pub fn from_boxed(inner: BoxStream<'static, Result<T, E>>) -> Self {
        Paginated { inner }
    }

    /// Wraps a stream of `S`, converting each item with `convert` (a failed
    /// conversion is yielded as an error, then the stream goes on).
    pub fn from_stream<S: Send + 'static>(inner: BoxStream<'static, Result<S, E>>, convert: fn(S) -> Result<T, E>) -> Self {
        Paginated { inner: inner.map(move |r| r.and_then(convert)).boxed() }
    }
}

impl<T, E> Stream for Paginated<T, E> {
    type Item = Result<T, E>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// Pages of a paginated operation. `request` is the request builder,
/// `set_token` puts a continuation token on it, `send` performs one call and
/// `next_token` reads the token from a page.
pub fn pages<R, P, E, Fut>(
    request: R,
    set_token: fn(R, String) -> R,
    send: fn(R) -> Fut,
    next_token: fn(&P) -> Option<String>,
) -> Paginated<P, E>
where
    R: Clone + Send + 'static,
    P: Send + 'static,
    E: Send + 'static,
    Fut: Future<Output = Result<P, E>> + Send + 'static,
{
    struct State<R> {
        request: Option<R>,
        seen: HashSet<String>,
    }
    let state = State { request: Some(request), seen: HashSet::new() };
    let inner = futures_util::stream::unfold(state, move |mut state| async move {
        let request = state.request.take()?;
        let result = send(request.clone()).await;
        let page = match result {
            Ok(page) => page,
            Err(e) => return Some((Err(e), state)),
        };
        if let Some(token) = next_token(&page).filter(|t| !t.is_empty()) {
            if state.seen.insert(token.clone()) {
                state.request = Some(set_token(request, token));
            }
        }
        Some((Ok(page), state))
    })
    .boxed();
    Paginated { inner }
}

/// The items of every page, in order.
pub fn items<P, I, E>(pages: Paginated<P, E>, items_of: fn(P) -> Vec<I>) -> Paginated<I, E>
where
    P: Send + 'static,
    I: Send + 'static,
    E: Send + 'static,
{
    let inner = pages
        .inner
        .flat_map(move |page| {
            let batch: Vec<Result<I, E>> = match page {
                Ok(p) => items_of(p).into_iter().map(Ok).collect(),
                Err(e) => vec![Err(e)],
            };
            futures_util::stream::iter(batch)
        })
        .boxed();
    Paginated { inner }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone)]
    struct Req {
        token: Option<String>,
        script: std::sync::Arc<Vec<(Option<&'static str>, Vec<u32>)>>,
    }

    async fn send(r: Req) -> Result<(Option<String>, Vec<u32>), String> {
        let idx = match r.token.as_deref() {
            None => 0,
            Some(t) => t.trim_start_matches('t').parse::<usize>().map_err(|e| e.to_string())?,
        };
        let (next, items) = r.script.get(idx).cloned().ok_or("no such page")?;
        Ok((next.map(str::to_owned), items))
    }

    fn run<T>(f: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
    }

    fn req(script: Vec<(Option<&'static str>, Vec<u32>)>) -> Req {
        Req { token: None, script: std::sync::Arc::new(script) }
    }

    #[test]
    fn follows_tokens_until_absent_or_repeated() {
        let set = |mut r: Req, t: String| {
            r.token = Some(t);
            r
        };
        let next = |p: &(Option<String>, Vec<u32>)| p.0.clone();
        let script = vec![(Some("t1"), vec![1, 2]), (Some("t2"), vec![3]), (None, vec![4])];
        let all = run(items(pages(req(script), set, send, next), |p| p.1).try_collect()).unwrap();
        assert_eq!(all, vec![1, 2, 3, 4]);
        // A token that repeats ends the stream instead of looping forever.
        let looping = vec![(Some("t1"), vec![1]), (Some("t1"), vec![2])];
        let pages_seen = run(pages(req(looping), set, send, next).try_collect()).unwrap();
        assert_eq!(pages_seen.len(), 2);
        // An error is yielded, then the stream ends.
        let broken = vec![(Some("t9"), vec![1])];
        let mut s = pages(req(broken), set, send, next);
        assert!(run(s.next()).unwrap().is_ok());
        assert!(run(s.next()).unwrap().is_err());
        assert!(run(s.next()).is_none());
    }
}
