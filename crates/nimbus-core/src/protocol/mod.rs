//! Codecs both providers use: JSON bodies ([`json`]) and the HTTP bindings
//! of REST protocols ([`rest`]: paths, query strings, headers).

pub mod json;
pub mod rest;

use crate::http::HttpResponse;

/// A short description of an error body that carries no message the
/// protocol reads (an HTML page from a proxy, an empty body): its content
/// type and the start of its text. The status is not repeated: the error's
/// `Display` adds it.
pub fn describe_body(response: &HttpResponse) -> String {
    let text = String::from_utf8_lossy(&response.body);
    let text = text.trim();
    if text.is_empty() {
        return "the response has an empty body".to_owned();
    }
    let content_type = response.headers.get("content-type").unwrap_or("unknown content type");
    let snippet: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
    format!("{content_type} body: {snippet}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Headers;

    #[test]
    fn bodies_are_described_by_type_and_start() {
        let html = HttpResponse::new(502, [("content-type", "text/html")].into_iter().collect(), "<html>\nBad Gateway</html>");
        assert_eq!(describe_body(&html), "text/html body: <html>Bad Gateway</html>");
        assert_eq!(describe_body(&HttpResponse::new(503, Headers::new(), "  ")), "the response has an empty body");
        let long = HttpResponse::new(500, Headers::new(), "x".repeat(1000));
        assert_eq!(describe_body(&long).len(), "unknown content type body: ".len() + 200);
    }
}
