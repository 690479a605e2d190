//! Conversion of service documentation into rustdoc-safe Markdown.
//!
//! API specifications carry documentation in two flavours:
//!
//! * AWS Smithy models use HTML fragments; [`html_to_markdown`] turns them into
//!   CommonMark (tokenized by html5gum).
//! * Google Discovery documents use Markdown-ish plain text;
//!   [`clean_markdown`] normalises it (its blocks parsed by pulldown-cmark).
//!
//! Both functions return text meant to be emitted as `///` doc comments in
//! generated crates, so their output is *rustdoc-safe*:
//!
//! * no line outside a fenced block starts with four or more spaces or a tab
//!   (that would be an indented code block, i.e. a doctest);
//! * every code block is fenced as `` ```text `` so it is never compiled;
//! * `[`/`]` that are not part of a link are escaped (no broken intra-doc
//!   links), `<`/`>` that are not autolinks become `&lt;`/`&gt;` (no invalid
//!   HTML tags), bare `http(s)://` URLs become `<…>` autolinks;
//! * lines that would start a heading, list, block quote, thematic break or
//!   fence by accident are escaped;
//! * the result is deterministic, trimmed, uses `\n` line endings, has no
//!   trailing whitespace, no two blank lines in a row and no final newline.
//!
//! Neither function panics, whatever the input.

use std::collections::BTreeSet;

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/// Converts an HTML documentation fragment (as found in AWS Smithy models)
/// into clean, rustdoc-safe CommonMark.
///
/// Paragraphs, line breaks, inline code, preformatted blocks, links, bold and
/// italic text, (nested) ordered and unordered lists, definition lists,
/// headings and the AWS specific `<note>`/`<important>` elements are
/// translated; tables, `<div>`, `<span>` and unknown tags are dropped while
/// their text is kept; `<fullname>` elements and comments are dropped
/// entirely. Character references ending in `;` are decoded. Malformed HTML
/// (unclosed tags, stray `<`, odd attribute quoting, uppercase tags) yields
/// readable text. The fragment is tokenized by html5gum (WHATWG), under the
/// rules of `tokenize` for what counts as markup.
///
/// See the [module documentation](self) for the guarantees on the output.
pub fn html_to_markdown(html: &str) -> String {
    let (tokens, closers) = tokenize(html);
    let mut conv = HtmlConv::new();
    for token in tokens {
        conv.token(token, &closers);
    }
    conv.finish();
    finalize(&render(&conv.blocks))
}

/// Normalises Markdown-ish documentation text (as found in Google Discovery
/// documents) into clean, rustdoc-safe CommonMark.
///
/// The block structure (paragraphs, nested lists, code blocks, fences,
/// thematic breaks, headings, quotes) is CommonMark's, parsed by
/// pulldown-cmark after two repairs for how Discovery writes lists (markers
/// indented by hand four or more spaces stay list items; a marker alone on
/// its line takes the text of the next lines); the inline text of each block
/// goes through this module's rules as written.
///
/// Existing code spans, `[text](url)` links with absolute URLs, `<…>`
/// autolinks and plausible `*emphasis*` are kept; `*`/`+`/`-` bullets become
/// `-` bullets with 2-space nesting; fenced blocks become `` ```text ``
/// blocks; indented code blocks (after a blank line) become `` ```text ``
/// blocks; other indentation is stripped; literal `<br>` becomes a line
/// break and any other HTML-like text is escaped.
///
/// See the [module documentation](self) for the guarantees on the output.
pub fn clean_markdown(text: &str) -> String {
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut lines: Vec<String> = normalized.split('\n').map(|l| expand_tabs(l).trim_end().to_string()).collect();
    // Remove the indentation shared by every non-blank line first, so text
    // that is indented as a whole is not mistaken for a code block.
    let common = lines.iter().filter(|l| !l.is_empty()).map(|l| leading_spaces(l)).min().unwrap_or(0);
    if common > 0 {
        for line in &mut lines {
            if !line.is_empty() {
                *line = line.get(common..).unwrap_or("").to_string();
            }
        }
    }
    clamp_list_markers(&mut lines);
    finalize(&render(&MdConv::convert(&lines.join("\n"))))
}

// ---------------------------------------------------------------------------
// Shared block model and renderer
// ---------------------------------------------------------------------------

/// One output line of a paragraph or list item.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    /// Inline Markdown, already escaped (except for line-start escaping).
    text: String,
    /// Whether a hard line break follows this line.
    hard: bool,
}

impl Line {
    fn new(text: impl Into<String>, hard: bool) -> Self {
        Line { text: text.into(), hard }
    }
}

#[derive(Debug, Clone)]
enum Block {
    /// A paragraph.
    Para(Vec<Line>),
    /// A list item (`marker` is `Some`) or a continuation paragraph of the
    /// previous item (`marker` is `None`).
    Item { indent: usize, marker: Option<String>, cont: usize, lines: Vec<Line> },
    /// A fenced `text` block, indented by `indent` (< 4) when inside an item.
    Fence { indent: usize, lines: Vec<String> },
    /// A thematic break.
    Rule,
}

fn render(blocks: &[Block]) -> String {
    let mut out = String::new();
    let mut prev: Option<&Block> = None;
    for block in blocks {
        let text = render_block(block);
        if text.trim().is_empty() {
            continue;
        }
        if let Some(p) = prev {
            out.push_str(separator(p, block));
        }
        out.push_str(&text);
        prev = Some(block);
    }
    out
}

fn separator(prev: &Block, cur: &Block) -> &'static str {
    match (prev, cur) {
        (Block::Item { .. }, Block::Item { marker: Some(_), .. })
        | (Block::Fence { indent: 1.., .. }, Block::Item { .. })
        | (Block::Item { .. }, Block::Fence { indent: 1.., .. }) => "\n",
        _ => "\n\n",
    }
}

fn render_block(block: &Block) -> String {
    match block {
        Block::Para(lines) => render_lines(lines, "", ""),
        Block::Item { indent, marker, cont, lines } => {
            let rest = " ".repeat(*cont);
            match marker {
                Some(m) => {
                    let first = format!("{}{} ", " ".repeat(*indent), m);
                    let body = render_lines(lines, &first, &rest);
                    if body.is_empty() { format!("{}{}", " ".repeat(*indent), m) } else { body }
                }
                None => render_lines(lines, &rest, &rest),
            }
        }
        Block::Fence { indent, lines } => {
            if lines.iter().all(|l| l.trim().is_empty()) {
                return String::new();
            }
            let longest = lines.iter().map(|l| longest_run(l, '`')).max().unwrap_or(0);
            let fence = "`".repeat((longest + 1).max(3));
            let pad = " ".repeat(*indent);
            let mut out = format!("{pad}{fence}text");
            for line in lines {
                out.push('\n');
                if !line.is_empty() {
                    out.push_str(&pad);
                    out.push_str(line);
                }
            }
            out.push('\n');
            out.push_str(&pad);
            out.push_str(&fence);
            out
        }
        Block::Rule => "---".to_string(),
    }
}

fn render_lines(lines: &[Line], first: &str, rest: &str) -> String {
    let kept: Vec<&Line> = lines.iter().filter(|l| !l.text.trim().is_empty()).collect();
    let mut out = String::new();
    for (k, line) in kept.iter().enumerate() {
        if k == 0 {
            out.push_str(first);
        } else {
            out.push('\n');
            out.push_str(rest);
        }
        out.push_str(&escape_line_start(line.text.trim()));
        if line.hard && k + 1 < kept.len() {
            out.push('\\');
        }
    }
    out
}

/// Escapes a (trimmed) line so that it cannot start a block construct.
fn escape_line_start(t: &str) -> String {
    let mut chars = t.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let second = chars.next();
    let needs = match first {
        '#' | '>' | '|' => first != '|',
        '-' | '+' | '*' if second.is_none() || second == Some(' ') => true,
        '-' | '=' | '*' | '_' => t.chars().all(|c| c == first || c == ' '),
        '~' => t.starts_with("~~~"),
        '`' => {
            let n = longest_prefix(t, '`');
            n >= 3 && !t.get(n..).unwrap_or("").contains('`')
        }
        _ => false,
    };
    if needs {
        return format!("\\{t}");
    }
    if first.is_ascii_digit() {
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        if digits <= 9 {
            let rest = t.get(digits..).unwrap_or("");
            let mut rc = rest.chars();
            if matches!(rc.next(), Some('.' | ')')) && matches!(rc.next(), None | Some(' ')) {
                return format!("{}\\{}", t.get(..digits).unwrap_or(""), rest);
            }
        }
    }
    t.to_string()
}

/// Final safety pass: removes control characters, trailing whitespace,
/// excess blank lines and forbidden indentation; closes unclosed fences.
fn finalize(s: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut fence: Option<(char, usize)> = None;
    for raw in s.split('\n') {
        let mut line = String::with_capacity(raw.len());
        for c in raw.chars() {
            if c == '\t' {
                line.push_str(if fence.is_some() { "    " } else { " " });
            } else if !c.is_control() && !is_bidi_control(c) {
                line.push(c);
            }
        }
        let mut line = line.trim_end().to_string();
        if line.is_empty() {
            if out.last().is_some_and(|l| !l.is_empty()) {
                out.push(String::new());
            }
            continue;
        }
        if let Some((ch, n)) = fence {
            if is_fence_close(&line, ch, n) {
                fence = None;
            }
            out.push(line);
            continue;
        }
        if leading_spaces(&line) >= 4 {
            line = line.trim_start().to_string();
        }
        if let Some(f) = fence_open(&line) {
            fence = Some(f);
        }
        out.push(line);
    }
    if let Some((ch, n)) = fence {
        out.push(ch.to_string().repeat(n));
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

/// Bidirectional-text control characters; rustc rejects them in comments
/// (`text_direction_codepoint_in_comment`).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Recognises a CommonMark fence opening line (indentation below 4).
fn fence_open(line: &str) -> Option<(char, usize)> {
    if leading_spaces(line) >= 4 {
        return None;
    }
    fence_open_body(line.trim_start())
}

/// Recognises a fence opening at the start of `body`, ignoring indentation.
fn fence_open_body(body: &str) -> Option<(char, usize)> {
    let ch = body.chars().next()?;
    if ch != '`' && ch != '~' {
        return None;
    }
    let n = longest_prefix(body, ch);
    if n < 3 {
        return None;
    }
    if ch == '`' && body.get(n..).unwrap_or("").contains('`') {
        return None;
    }
    Some((ch, n))
}

/// Recognises a CommonMark closing fence (indentation below 4).
fn is_fence_close(line: &str, ch: char, n: usize) -> bool {
    leading_spaces(line) < 4 && is_fence_close_body(line, ch, n)
}

fn is_fence_close_body(line: &str, ch: char, n: usize) -> bool {
    let t = line.trim();
    !t.is_empty() && t.chars().all(|c| c == ch) && t.chars().count() >= n
}

// ---------------------------------------------------------------------------
// Small string helpers
// ---------------------------------------------------------------------------

fn leading_spaces(s: &str) -> usize {
    s.bytes().take_while(|b| *b == b' ').count()
}

fn longest_prefix(s: &str, ch: char) -> usize {
    s.chars().take_while(|c| *c == ch).count()
}

fn longest_run(s: &str, ch: char) -> usize {
    let mut best = 0;
    let mut cur = 0;
    for c in s.chars() {
        if c == ch {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

fn expand_tabs(line: &str) -> String {
    if !line.contains('\t') {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len() + 8);
    let mut col = 0usize;
    for c in line.chars() {
        if c == '\t' {
            let n = 4 - col % 4;
            out.extend(std::iter::repeat_n(' ', n));
            col += n;
        } else {
            out.push(c);
            col += 1;
        }
    }
    out
}

/// Collapses every whitespace run into one space and drops control chars.
fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_ws = false;
    for c in s.chars() {
        if c.is_whitespace() {
            if !in_ws {
                out.push(' ');
            }
            in_ws = true;
        } else if !c.is_control() {
            out.push(c);
            in_ws = false;
        }
    }
    out
}

/// Collapses runs of spaces and trims.
fn normalize_line(s: &str) -> String {
    s.split(' ').filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Removes the indentation common to all non-blank lines, trims trailing
/// whitespace and drops leading and trailing blank lines.
fn dedent_block(lines: &[String]) -> Vec<String> {
    let lines: Vec<String> = lines
        .iter()
        .map(|l| {
            expand_tabs(l)
                .chars()
                .filter(|c| !c.is_control())
                .map(|c| if c == '\u{a0}' { ' ' } else { c })
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect();
    let min = lines.iter().filter(|l| !l.is_empty()).map(|l| leading_spaces(l)).min().unwrap_or(0);
    let mut out: Vec<String> = lines.into_iter().map(|l| if l.is_empty() { l } else { l.get(min..).unwrap_or("").to_string() }).collect();
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    let start = out.iter().position(|l| !l.is_empty()).unwrap_or(out.len());
    out.drain(..start);
    out
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.as_bytes().get(..prefix.len()).is_some_and(|b| b.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Whether `url` is an absolute URL that is safe to link to.
fn is_absolute_url(url: &str) -> bool {
    ["http://", "https://", "ftp://", "mailto:"].iter().any(|p| starts_with_ci(url, p) && url.len() > p.len())
}

/// Whether `url` is a site-relative link (kept as text, not as a link).
fn is_relative_url(url: &str) -> bool {
    (url.starts_with('/') || url.starts_with('#') || url.starts_with("./") || url.starts_with("../"))
        && !url.contains(['[', ']', '<', '>', ' '])
}

/// Percent-encodes the characters that would break a Markdown link
/// destination or autolink. Whitespace runs containing a line break (HTML
/// source wrapping) are dropped, other whitespace becomes `%20`.
fn encode_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut ws = String::new();
    for c in url.trim().chars() {
        if c.is_whitespace() {
            ws.push(c);
            continue;
        }
        if !ws.is_empty() {
            if !ws.contains(['\n', '\r']) {
                for _ in ws.chars() {
                    out.push_str("%20");
                }
            }
            ws.clear();
        }
        match c {
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '"' => out.push_str("%22"),
            '\\' => out.push_str("%5C"),
            '`' => out.push_str("%60"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// If a bare `http://`/`https://` URL starts at byte `i`, returns the byte
/// index where it ends (trailing punctuation excluded).
fn bare_url_end(s: &str, i: usize) -> Option<usize> {
    let rest = s.get(i..)?;
    let scheme_len = if starts_with_ci(rest, "https://") {
        8
    } else if starts_with_ci(rest, "http://") {
        7
    } else {
        return None;
    };
    let mut end = i;
    let mut open = 0usize;
    let mut close = 0usize;
    for (k, c) in rest.char_indices() {
        if c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '`' | '[' | ']' | '\\') {
            break;
        }
        if c == '(' {
            open += 1;
        } else if c == ')' {
            close += 1;
        }
        end = i + k + c.len_utf8();
    }
    while let Some(last) = s.get(i..end).and_then(|u| u.chars().next_back()) {
        let strip = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' | '_' | '~' => true,
            ')' => open < close,
            _ => false,
        };
        if !strip {
            break;
        }
        if last == ')' {
            close -= 1;
        }
        end -= last.len_utf8();
    }
    if end.saturating_sub(i) <= scheme_len {
        return None;
    }
    Some(end)
}

/// Whether `s` (starting with `&`) starts with something CommonMark could
/// read as an entity or numeric character reference.
fn entity_like(s: &str) -> bool {
    let Some(body) = s.strip_prefix('&') else {
        return false;
    };
    let Some(semi) = body.char_indices().take(34).find(|(_, c)| *c == ';').map(|(i, _)| i) else {
        return false;
    };
    let name = body.get(..semi).unwrap_or("");
    if let Some(num) = name.strip_prefix('#') {
        if let Some(hex) = num.strip_prefix(['x', 'X']) {
            !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit())
        } else {
            !num.is_empty() && num.chars().all(|c| c.is_ascii_digit())
        }
    } else {
        name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && name.chars().all(|c| c.is_ascii_alphanumeric())
    }
}

/// Renders `raw` as a code span (whitespace collapsed; edge whitespace kept
/// outside the span).
fn code_span(raw: &str) -> String {
    let content = collapse_ws(raw);
    let core = content.trim();
    if core.is_empty() {
        return if content.is_empty() { String::new() } else { " ".to_string() };
    }
    let lead = if content.starts_with(' ') { " " } else { "" };
    let trail = if content.ends_with(' ') { " " } else { "" };
    let longest = longest_run(core, '`');
    if longest == 0 {
        format!("{lead}`{core}`{trail}")
    } else {
        let d = "`".repeat(longest + 1);
        format!("{lead}{d} {core} {d}{trail}")
    }
}

/// Wraps every non-blank line segment of `md` in `marker` (moving edge
/// whitespace outside the markers).
fn wrap_lines(md: &str, marker: &str) -> String {
    md.split('\n')
        .map(|seg| {
            let core = seg.trim();
            if core.is_empty() {
                seg.to_string()
            } else {
                let lead = if seg.starts_with(char::is_whitespace) { " " } else { "" };
                let trail = if seg.ends_with(char::is_whitespace) { " " } else { "" };
                format!("{lead}{marker}{core}{marker}{trail}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------------------
// HTML: entities
// ---------------------------------------------------------------------------

/// Prepares a fragment for the HTML tokenizer in one pass, so that it
/// decodes and hides only what the documentation means:
///
/// * an `&` that does not start a valid reference ending in `;` (`&lt;`,
///   `&#60;`) becomes `&amp;`: the HTML standard also decodes some names
///   without the `;`, which would turn `?a=1&region=x` in a URL into
///   `?a=1®ion=x`, and turns invalid numbers into U+FFFD;
/// * a `<` stays markup only where it starts a comment that is closed, a
///   CDATA section that is closed (which becomes its text: outside SVG and
///   MathML the standard reads it as a comment ending at the first `>`), or
///   a tag as [`tag_len`] accepts it; every other `<` becomes `&lt;`. So the
///   tokenizer never reads prose as a declaration or a "bogus comment" that
///   it would drop (`</ 2 words>`, `<!x>`, `<?x>`), never lets a quote left
///   open swallow the rest, and needs no second pass.
fn prepare_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    // The next comment and CDATA ends, each found once (many openings
    // without their end stay linear).
    let mut dashes_end = NextMatch::new("-->");
    let mut bang_end = NextMatch::new("--!>");
    let mut cdata_end = NextMatch::new("]]>");
    while let Some(at) = rest.find(['&', '<']) {
        out.push_str(rest.get(..at).unwrap_or(""));
        let from = rest.get(at..).unwrap_or("");
        if from.starts_with('&') {
            out.push_str(if valid_reference(from) { "&" } else { "&amp;" });
            rest = from.get(1..).unwrap_or("");
            continue;
        }
        let offset = html.len() - from.len();
        if from.starts_with("<!--") {
            // Where the tokenizer ends it: `<!-->` and `<!--->` at once,
            // otherwise at the first `-->` or `--!>`.
            let end = if from.get(4..).is_some_and(|b| b.starts_with('>')) {
                Some(5)
            } else if from.get(4..).is_some_and(|b| b.starts_with("->")) {
                Some(6)
            } else {
                let dashes = dashes_end.end_after(html, offset + 4);
                let bang = bang_end.end_after(html, offset + 4);
                dashes.into_iter().chain(bang).min().map(|end| end - offset)
            };
            if let Some(end) = end {
                out.push_str(from.get(..end).unwrap_or(""));
                rest = from.get(end..).unwrap_or("");
                continue;
            }
        } else if from.starts_with("<![CDATA[") {
            if let Some(end) = cdata_end.end_after(html, offset + 9).map(|end| end - offset) {
                let body = from.get(9..end - 3).unwrap_or("");
                out.push_str(&body.replace('&', "&amp;").replace('<', "&lt;"));
                rest = from.get(end..).unwrap_or("");
                continue;
            }
        } else if tag_len(from).is_some() {
            // Its `&`s are still checked by this loop.
            out.push('<');
            rest = from.get(1..).unwrap_or("");
            continue;
        }
        out.push_str("&lt;");
        rest = from.get(1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// Finds the next occurrence of a string in one text as a scan moves
/// forward, searching each part of the text once.
struct NextMatch {
    needle: &'static str,
    /// The last answer: where the next occurrence starts (`None`: there is
    /// none from there on); not searched yet while `searched` is false.
    next: Option<usize>,
    searched: bool,
}

impl NextMatch {
    fn new(needle: &'static str) -> Self {
        NextMatch { needle, next: None, searched: false }
    }

    /// The end of the first occurrence starting at or after `at` (`at` never
    /// moves back between calls).
    fn end_after(&mut self, text: &str, at: usize) -> Option<usize> {
        if !self.searched || self.next.is_some_and(|next| next < at) {
            self.next = text.get(at..).and_then(|t| t.find(self.needle)).map(|i| at + i);
            self.searched = true;
        }
        self.next.map(|next| next + self.needle.len())
    }
}

/// The length of the tag that starts `s` (at its `<`), when the tokenizer
/// would read it as its author meant: `<name` or `</name` (a letter first),
/// attributes whose quoted values close, then `>`, with no `<` before the
/// end and within [`MAX_TAG`] bytes; or a declaration (`<!DOCTYPE …>`,
/// `<?xml …?>`, dropped by the tokenizer) ending in `>` before any `<`.
/// `None` for prose like `a<b`, `a <? b > c`, `<!x>` or `</ 2 words>`.
fn tag_len(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let declaration = match bytes.get(1) {
        Some(b'!') => bytes.get(2..9).is_some_and(|name| name.eq_ignore_ascii_case(b"doctype")),
        Some(b'?') => bytes.get(2..5).is_some_and(|name| name.eq_ignore_ascii_case(b"xml")),
        _ => false,
    };
    if declaration {
        let end = bytes.iter().take(MAX_TAG).skip(1).position(|&c| c == b'>' || c == b'<')? + 1;
        return (bytes.get(end) == Some(&b'>')).then_some(end + 1);
    }
    let mut i = 1 + usize::from(bytes.get(1) == Some(&b'/'));
    if !bytes.get(i).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    // Whether a value may start here (after `=` and any spaces).
    let mut value_next = false;
    while let Some(&byte) = bytes.get(i).filter(|_| i <= MAX_TAG) {
        match byte {
            b'>' => return Some(i + 1),
            b'<' => return None,
            b'=' => value_next = true,
            b'"' | b'\'' if value_next => {
                let close = bytes.get(i + 1..)?.iter().position(|&c| c == byte || c == b'<')?;
                if bytes.get(i + 1 + close) != Some(&byte) {
                    return None;
                }
                i += close + 1;
                value_next = false;
            }
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => {}
            _ => value_next = false,
        }
        i += 1;
    }
    None
}

/// Whether `s` (starting with `&`) starts with a reference that decodes to
/// a character: a name ending in `;`, or a number of a character other than
/// NUL and the control characters (tab and newline allowed).
fn valid_reference(s: &str) -> bool {
    if !entity_like(s) {
        return false;
    }
    let body = s.get(1..).and_then(|b| b.split(';').next()).unwrap_or("");
    let Some(number) = body.strip_prefix('#') else {
        // A name the standard knows whole: `&notit;` must not decode its
        // legacy prefix `&not` (and keep `it;`).
        let reference = format!("&{body};");
        let decoded = decode_text(&reference);
        return decoded != reference && decoded.chars().count() <= 2;
    };
    let value = match number.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => number.parse::<u32>().ok(),
    };
    value.and_then(char::from_u32).is_some_and(|c| c != '\0' && (!c.is_control() || matches!(c, '\t' | '\n')))
}

/// Escapes decoded HTML text for Markdown; bare URLs become autolinks when
/// `autolink` is set.
fn escape_text(s: &str, autolink: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut prev: Option<char> = None;
    let mut i = 0;
    while let Some(c) = s.get(i..).and_then(|r| r.chars().next()) {
        if autolink && (c == 'h' || c == 'H') {
            if let Some(end) = bare_url_end(s, i) {
                let url = s.get(i..end).unwrap_or("");
                out.push('<');
                out.push_str(url);
                out.push('>');
                prev = url.chars().next_back();
                i = end;
                continue;
            }
        }
        let next = s.get(i + c.len_utf8()..).and_then(|r| r.chars().next());
        match c {
            '\\' => out.push_str("\\\\"),
            '`' | '*' | '[' | ']' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '_' => {
                if prev.is_some_and(char::is_alphanumeric) && next.is_some_and(char::is_alphanumeric) {
                    out.push('_');
                } else {
                    out.push_str("\\_");
                }
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => {
                if entity_like(s.get(i..).unwrap_or("")) {
                    out.push_str("&amp;");
                } else {
                    out.push('&');
                }
            }
            _ => out.push(c),
        }
        prev = Some(c);
        i += c.len_utf8();
    }
    out
}

// ---------------------------------------------------------------------------
// HTML: tokenizer
// ---------------------------------------------------------------------------

/// Upper bound for the inline elements (bold, italic, code, links) open at
/// once; deeper ones are ignored.
const MAX_INLINE_DEPTH: usize = 32;

/// Upper bound for the length of a tag; longer "tags" are treated as text.
const MAX_TAG: usize = 4096;

/// Tag names that are always recognised as markup.
const KNOWN_TAGS: &[&str] = &[
    "a",
    "abbr",
    "address",
    "article",
    "b",
    "big",
    "blockquote",
    "body",
    "br",
    "caption",
    "caution",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "emphasis",
    "figure",
    "font",
    "footer",
    "fullname",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "i",
    "img",
    "important",
    "ins",
    "kbd",
    "li",
    "main",
    "meta",
    "note",
    "ol",
    "p",
    "pre",
    "q",
    "replaceable",
    "s",
    "samp",
    "script",
    "section",
    "small",
    "span",
    "strike",
    "strong",
    "style",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tip",
    "title",
    "tr",
    "tt",
    "u",
    "ul",
    "userinput",
    "var",
    "warning",
    "wbr",
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// Decoded text.
    Text(String),
    /// A start tag (lowercase name, attributes with decoded values).
    Start { name: String, attrs: Vec<(String, String)>, self_closing: bool },
    /// An end tag (lowercase name).
    End(String),
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-')
}

/// Parses a tag name starting at byte `from` of `s`.
fn parse_name(s: &str, from: usize) -> Option<(String, usize)> {
    let b = s.as_bytes();
    if !b.get(from)?.is_ascii_alphabetic() {
        return None;
    }
    let mut j = from;
    while b.get(j).copied().is_some_and(is_name_byte) {
        j += 1;
    }
    Some((s.get(from..j)?.to_ascii_lowercase(), j))
}

/// Names of all end tags that occur in the input.
fn closing_names(html: &str) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    let mut rest = html;
    while let Some(pos) = rest.find("</") {
        let after = rest.get(pos..).unwrap_or("");
        if let Some((name, _)) = parse_name(after, 2) {
            set.insert(name);
        }
        rest = after.get(2..).unwrap_or("");
    }
    set
}

/// Splits an HTML fragment into tokens with html5gum (a WHATWG tokenizer:
/// attributes, character references, comments, CDATA), under the rules of
/// documentation fragments: a start tag is markup only when its name is a
/// known tag, is closed somewhere in the fragment, or the tag closes itself
/// (so AWS's `<bucket-name>` placeholders stay text). [`prepare_html`]
/// decides first which `<` can start markup at all (prose like
/// `a<b then <code>x</code>` keeps its `<code>`), so one linear pass reads
/// the fragment and no text is dropped.
fn tokenize(html: &str) -> (Vec<Tok>, BTreeSet<String>) {
    let closers = closing_names(html);
    let input = prepare_html(html);
    let mut tokens = Vec::new();
    let mut text = String::new();
    // How far the input is consumed.
    let mut done = 0;
    let emitter = html5gum::DefaultEmitter::<usize>::new_with_span();
    for token in html5gum::Tokenizer::new_with_emitter(input.as_str(), emitter).flatten() {
        let span = match &token {
            html5gum::Token::StartTag(tag) => tag.span,
            html5gum::Token::EndTag(tag) => tag.span,
            html5gum::Token::String(s) | html5gum::Token::Comment(s) => s.span,
            html5gum::Token::Doctype(d) => d.span,
            html5gum::Token::Error(_) => continue,
        };
        if span.start > done {
            // Input the tokenizer dropped (none is expected after
            // `prepare_html`; kept as text all the same).
            text.push_str(&decode_text(input.get(done..span.start).unwrap_or("")));
        }
        let raw = input.get(span.start..span.end).unwrap_or("");
        done = done.max(span.end);
        match token {
            html5gum::Token::String(s) => text.push_str(&String::from_utf8_lossy(&s.value)),
            // Only closed `<!--` comments reach the tokenizer.
            html5gum::Token::Comment(_) | html5gum::Token::Doctype(_) | html5gum::Token::Error(_) => {}
            html5gum::Token::StartTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
                if !(KNOWN_TAGS.contains(&name.as_str()) || closers.contains(&name) || tag.self_closing) {
                    text.push_str(&decode_text(raw));
                    continue;
                }
                push_text(&mut tokens, &mut text);
                let attrs = tag
                    .attributes
                    .iter()
                    .map(|(k, v)| (String::from_utf8_lossy(k).to_ascii_lowercase(), String::from_utf8_lossy(&v.value).into_owned()))
                    .collect();
                tokens.push(Tok::Start { name, attrs, self_closing: tag.self_closing });
            }
            html5gum::Token::EndTag(tag) => {
                push_text(&mut tokens, &mut text);
                tokens.push(Tok::End(String::from_utf8_lossy(&tag.name).to_ascii_lowercase()));
            }
        }
    }
    if done < input.len() {
        // Cut off by the end of the input (not expected after `prepare_html`).
        text.push_str(&decode_text(input.get(done..).unwrap_or("")));
    }
    push_text(&mut tokens, &mut text);
    (tokens, closers)
}

fn push_text(tokens: &mut Vec<Tok>, text: &mut String) {
    if !text.is_empty() {
        tokens.push(Tok::Text(std::mem::take(text)));
    }
}

/// Markup kept as text, with its character references decoded.
fn decode_text(raw: &str) -> String {
    let escaped = raw.replace('<', "&lt;");
    html5gum::Tokenizer::new(escaped.as_str())
        .flatten()
        .filter_map(|token| match token {
            html5gum::Token::String(s) => Some(String::from_utf8_lossy(&s.value).into_owned()),
            _ => None,
        })
        .collect()
}

// ---------------------------------------------------------------------------
// HTML: converter
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Root,
    Bold,
    Italic,
    Code,
    Link,
    Heading,
    Term,
}

impl Kind {
    fn is_bold(self) -> bool {
        matches!(self, Kind::Bold | Kind::Heading | Kind::Term)
    }
}

/// An open inline element collecting Markdown (`md`, `\n` = hard break) and
/// plain text (`raw`, for code spans).
#[derive(Debug)]
struct Frame {
    kind: Kind,
    href: Option<String>,
    md: String,
    raw: String,
}

#[derive(Debug)]
struct ItemCtx {
    marker: String,
    started: bool,
    has_dd: bool,
}

#[derive(Debug)]
struct ListCtx {
    ordered: bool,
    dl: bool,
    next: u64,
    indent: usize,
    item: Option<ItemCtx>,
}

/// Continuation indentation of an item: its content column, capped at 3.
fn item_cont(indent: usize, marker: &str) -> usize {
    (indent + marker.chars().count() + 1).min(3)
}

fn push_raw(raw: &mut String, s: &str) {
    if raw.ends_with(' ') && s.starts_with(' ') {
        raw.push_str(s.get(1..).unwrap_or(""));
    } else {
        raw.push_str(s);
    }
}

const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "table",
    "caption",
    "center",
    "details",
    "summary",
    "main",
    "body",
    "html",
    "figure",
    "address",
    "thead",
    "tbody",
    "tfoot",
];

fn italic_tag(name: &str) -> bool {
    matches!(name, "i" | "em" | "emphasis" | "var" | "cite" | "dfn")
}

fn code_tag(name: &str) -> bool {
    matches!(name, "code" | "tt" | "kbd" | "samp")
}

fn admonition(name: &str) -> Option<&'static str> {
    Some(match name {
        "note" => "**Note:**",
        "important" => "**Important:**",
        "warning" => "**Warning:**",
        "caution" => "**Caution:**",
        "tip" => "**Tip:**",
        _ => return None,
    })
}

fn heading_tag(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

struct HtmlConv {
    blocks: Vec<Block>,
    frames: Vec<Frame>,
    lists: Vec<ListCtx>,
    label: Option<&'static str>,
    pre: Option<Vec<String>>,
    skip: Option<(String, usize)>,
}

impl HtmlConv {
    fn new() -> Self {
        HtmlConv {
            blocks: Vec::new(),
            frames: vec![Frame { kind: Kind::Root, href: None, md: String::new(), raw: String::new() }],
            lists: Vec::new(),
            label: None,
            pre: None,
            skip: None,
        }
    }

    fn token(&mut self, tok: Tok, closers: &BTreeSet<String>) {
        if let Some((name, depth)) = &mut self.skip {
            match &tok {
                Tok::Start { name: n, self_closing: false, .. } if n == name => *depth += 1,
                Tok::End(n) if n == name => {
                    if *depth <= 1 {
                        self.skip = None;
                    } else {
                        *depth -= 1;
                    }
                }
                _ => {}
            }
            return;
        }
        if let Some(pre) = &mut self.pre {
            match tok {
                Tok::Text(t) => {
                    let mut parts = t.split('\n');
                    if let (Some(first), Some(last)) = (parts.next(), pre.last_mut()) {
                        last.push_str(first);
                    }
                    for part in parts {
                        pre.push(part.to_string());
                    }
                }
                Tok::Start { name, .. } if name == "br" => pre.push(String::new()),
                Tok::End(name) if name == "pre" => self.end_pre(),
                _ => {}
            }
            return;
        }
        match tok {
            Tok::Text(t) => self.text(&t),
            Tok::Start { name, attrs, self_closing } => {
                self.start(&name, &attrs, self_closing, closers);
                if self_closing {
                    self.end(&name);
                }
            }
            Tok::End(name) => self.end(&name),
        }
    }

    fn in_item(&self) -> bool {
        self.lists.last().is_some_and(|l| l.item.is_some())
    }

    fn top(&mut self) -> Option<&mut Frame> {
        self.frames.last_mut()
    }

    fn text(&mut self, t: &str) {
        let collapsed = collapse_ws(t);
        if collapsed.is_empty() {
            return;
        }
        // Only links that are really emitted suppress autolinks (a relative
        // or missing href leaves the text outside any link).
        let in_link =
            self.frames.iter().any(|f| f.kind == Kind::Link && f.href.as_deref().is_some_and(|h| is_absolute_url(&encode_url(h))));
        let in_code = self.frames.iter().any(|f| f.kind == Kind::Code);
        let Some(top) = self.top() else {
            return;
        };
        push_raw(&mut top.raw, &collapsed);
        if in_code {
            return;
        }
        let piece = escape_text(&collapsed, !in_link);
        if top.md.ends_with(' ') && piece.starts_with(' ') {
            top.md.push_str(piece.get(1..).unwrap_or(""));
        } else {
            top.md.push_str(&piece);
        }
    }

    fn push_md(&mut self, s: &str) {
        if let Some(top) = self.top() {
            top.md.push_str(s);
        }
    }

    fn line_break(&mut self) {
        if let Some(top) = self.top() {
            top.md.push('\n');
            push_raw(&mut top.raw, " ");
        }
    }

    /// A line break that is not repeated: nothing happens when the current
    /// line is still empty.
    fn soft_line_break(&mut self) {
        let at_line_start = self.top().is_none_or(|t| {
            let trimmed = t.md.trim_end_matches(' ');
            trimmed.is_empty() || trimmed.ends_with('\n')
        });
        if !at_line_start {
            self.line_break();
        }
    }

    /// A block-level boundary: a hard break inside list items, a new
    /// paragraph elsewhere.
    fn block_break(&mut self) {
        if self.in_item() {
            // Right after a definition's `term: ` separator the description
            // continues on the same line.
            let after_dd = self.lists.last().and_then(|l| l.item.as_ref()).is_some_and(|i| i.has_dd)
                && self.top().is_some_and(|t| t.md.ends_with(": ") || t.md.ends_with(":** "));
            if !after_dd {
                self.soft_line_break();
            }
        } else {
            self.boundary();
        }
    }

    /// Opens an inline frame; past [`MAX_INLINE_DEPTH`] open ones, the tag
    /// is ignored (its text stays inside the frames already open), so deep
    /// unclosed nesting costs linear time.
    fn open(&mut self, kind: Kind, href: Option<String>) {
        if self.frames.len() > MAX_INLINE_DEPTH {
            return;
        }
        self.frames.push(Frame { kind, href, md: String::new(), raw: String::new() });
    }

    fn close(&mut self, kind: Kind) {
        let Some(pos) = self.frames.iter().rposition(|f| f.kind == kind) else {
            return;
        };
        if pos == 0 {
            return;
        }
        while self.frames.len() > pos {
            self.pop_frame();
        }
    }

    fn pop_frame(&mut self) {
        if self.frames.len() <= 1 {
            return;
        }
        let Some(f) = self.frames.pop() else {
            return;
        };
        let outer_bold = self.frames.iter().any(|x| x.kind.is_bold());
        let outer_italic = self.frames.iter().any(|x| x.kind == Kind::Italic);
        let piece = match f.kind {
            Kind::Bold | Kind::Heading | Kind::Term => {
                if outer_bold {
                    f.md.clone()
                } else {
                    wrap_lines(&f.md, "**")
                }
            }
            Kind::Italic => {
                if outer_italic {
                    f.md.clone()
                } else {
                    wrap_lines(&f.md, "*")
                }
            }
            Kind::Code => code_span(&f.raw),
            Kind::Link => link_markdown(&f),
            Kind::Root => f.md.clone(),
        };
        if let Some(parent) = self.frames.last_mut() {
            if parent.md.ends_with('`') && piece.starts_with('`') {
                parent.md.push(' ');
            }
            parent.md.push_str(&piece);
            push_raw(&mut parent.raw, &f.raw);
        }
    }

    /// Closes all open inline frames, flushes the pending block and reopens
    /// the frames (so formatting continues in the next block).
    fn boundary(&mut self) {
        let kinds: Vec<(Kind, Option<String>)> = self.frames.iter().skip(1).map(|f| (f.kind, f.href.clone())).collect();
        while self.frames.len() > 1 {
            self.pop_frame();
        }
        self.flush();
        for (kind, href) in kinds {
            self.open(kind, href);
        }
    }

    /// Emits the content collected in the root frame as blocks.
    fn flush(&mut self) {
        let md = match self.frames.first_mut() {
            Some(root) => {
                root.raw.clear();
                std::mem::take(&mut root.md)
            }
            None => return,
        };
        let lines: Vec<String> = md.split('\n').map(normalize_line).collect();
        if let Some(list) = self.lists.last_mut() {
            if let Some(item) = &mut list.item {
                let content: Vec<Line> = lines.into_iter().filter(|l| !l.is_empty()).map(|l| Line::new(l, true)).collect();
                if content.is_empty() {
                    return;
                }
                let indent = list.indent;
                let cont = item_cont(indent, &item.marker);
                let marker = if item.started { None } else { Some(item.marker.clone()) };
                item.started = true;
                self.blocks.push(Block::Item { indent, marker, cont, lines: content });
                return;
            }
        }
        let mut group: Vec<Line> = Vec::new();
        for line in lines {
            if line.is_empty() {
                let g = std::mem::take(&mut group);
                self.push_para(g);
            } else {
                group.push(Line::new(line, true));
            }
        }
        self.push_para(group);
    }

    fn push_para(&mut self, mut lines: Vec<Line>) {
        if lines.is_empty() {
            return;
        }
        if let Some(label) = self.label.take() {
            if let Some(first) = lines.first_mut() {
                first.text = format!("{label} {}", first.text);
            }
        }
        self.blocks.push(Block::Para(lines));
    }

    /// Emits a pending admonition label as its own paragraph.
    fn emit_label(&mut self) {
        if let Some(label) = self.label.take() {
            self.blocks.push(Block::Para(vec![Line::new(label, false)]));
        }
    }

    /// Emits a marker-only line for an item that has no text yet.
    fn start_item_if_needed(&mut self) {
        if let Some(list) = self.lists.last_mut() {
            let indent = list.indent;
            if let Some(item) = &mut list.item {
                if !item.started {
                    item.started = true;
                    self.blocks.push(Block::Item {
                        indent,
                        marker: Some(item.marker.clone()),
                        cont: item_cont(indent, &item.marker),
                        lines: Vec::new(),
                    });
                }
            }
        }
    }

    fn open_list(&mut self, ordered: bool, dl: bool, start: u64) {
        self.boundary();
        self.emit_label();
        self.start_item_if_needed();
        let indent = match self.lists.last() {
            None => 0,
            Some(parent) => match &parent.item {
                Some(item) => {
                    let child = parent.indent + item.marker.chars().count() + 1;
                    if child <= 3 { child } else { parent.indent }
                }
                None => parent.indent,
            },
        };
        self.lists.push(ListCtx { ordered, dl, next: start, indent, item: None });
    }

    fn close_list(&mut self, pred: impl Fn(&ListCtx) -> bool) {
        let Some(pos) = self.lists.iter().rposition(pred) else {
            return;
        };
        while self.lists.len() > pos {
            self.boundary();
            self.lists.pop();
        }
    }

    fn open_item(&mut self) {
        if self.lists.is_empty() {
            self.open_list(false, false, 1);
        }
        self.close_item();
        self.boundary();
        let Some(list) = self.lists.last_mut() else {
            return;
        };
        let marker = if list.ordered {
            let m = format!("{}.", list.next.min(999_999_999));
            list.next = list.next.saturating_add(1);
            m
        } else {
            "-".to_string()
        };
        list.item = Some(ItemCtx { marker, started: false, has_dd: false });
    }

    fn close_item(&mut self) {
        if !self.in_item() {
            return;
        }
        self.boundary();
        if let Some(list) = self.lists.last_mut() {
            list.item = None;
        }
    }

    fn start_pre(&mut self) {
        self.boundary();
        if self.in_item() {
            self.start_item_if_needed();
        } else {
            self.emit_label();
        }
        self.pre = Some(vec![String::new()]);
    }

    fn end_pre(&mut self) {
        let Some(lines) = self.pre.take() else {
            return;
        };
        let lines = dedent_block(&lines);
        if lines.is_empty() {
            return;
        }
        let indent = match self.lists.last() {
            Some(list) => match &list.item {
                Some(item) => item_cont(list.indent, &item.marker),
                None => 0,
            },
            None => 0,
        };
        self.blocks.push(Block::Fence { indent, lines });
    }

    fn start(&mut self, name: &str, attrs: &[(String, String)], self_closing: bool, closers: &BTreeSet<String>) {
        let attr = |key: &str| attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        match name {
            n if BLOCK_TAGS.contains(&n) => self.block_break(),
            "tr" => self.soft_line_break(),
            "td" | "th" => self.text(" "),
            "br" => self.line_break(),
            "hr" => {
                self.boundary();
                self.emit_label();
                self.blocks.push(Block::Rule);
            }
            "b" | "strong" => self.open(Kind::Bold, None),
            n if italic_tag(n) => self.open(Kind::Italic, None),
            n if code_tag(n) => self.open(Kind::Code, None),
            "a" => {
                self.close(Kind::Link);
                self.open(Kind::Link, attr("href"));
            }
            n if heading_tag(n) => {
                self.block_break();
                self.open(Kind::Heading, None);
            }
            "ul" => self.open_list(false, false, 1),
            "ol" => {
                let start = attr("start").and_then(|s| s.trim().parse::<u64>().ok()).unwrap_or(1);
                self.open_list(true, false, start);
            }
            "dl" => self.open_list(false, true, 1),
            "li" => self.open_item(),
            "dt" => {
                if !self.lists.last().is_some_and(|l| l.dl) {
                    self.open_list(false, true, 1);
                }
                self.open_item();
                self.open(Kind::Term, None);
            }
            "dd" => self.start_dd(),
            "pre" => self.start_pre(),
            n if admonition(n).is_some() => {
                let label = admonition(n).unwrap_or("**Note:**");
                if self.in_item() {
                    let nonempty = self.frames.first().is_some_and(|r| !r.md.trim().is_empty());
                    if nonempty {
                        self.line_break();
                    }
                    self.push_md(&format!("{label} "));
                } else {
                    self.boundary();
                    self.label = Some(label);
                }
            }
            "fullname" | "script" | "style" | "head" | "title" if !self_closing && closers.contains(name) => {
                self.skip = Some((name.to_string(), 1));
            }
            _ => {}
        }
    }

    fn start_dd(&mut self) {
        if !self.lists.last().is_some_and(|l| l.dl) {
            self.open_list(false, true, 1);
        }
        self.close(Kind::Term);
        let state = self.lists.last().and_then(|l| l.item.as_ref()).map(|i| i.has_dd);
        match state {
            None => self.open_item(),
            Some(false) => {
                let term = self.frames.first().map(|r| r.md.trim_end().to_string()).unwrap_or_default();
                if !term.trim().is_empty() {
                    if !(term.ends_with(':') || term.ends_with(":**")) {
                        self.push_md(":");
                    }
                    self.push_md(" ");
                }
            }
            Some(true) => self.line_break(),
        }
        if let Some(item) = self.lists.last_mut().and_then(|l| l.item.as_mut()) {
            item.has_dd = true;
        }
    }

    fn end(&mut self, name: &str) {
        match name {
            n if BLOCK_TAGS.contains(&n) => self.block_break(),
            "tr" => self.soft_line_break(),
            "td" | "th" => self.text(" "),
            "b" | "strong" => self.close(Kind::Bold),
            n if italic_tag(n) => self.close(Kind::Italic),
            n if code_tag(n) => self.close(Kind::Code),
            "a" => self.close(Kind::Link),
            n if heading_tag(n) => {
                self.close(Kind::Heading);
                self.block_break();
            }
            "ul" => self.close_list(|l| !l.ordered && !l.dl),
            "ol" => self.close_list(|l| l.ordered),
            "dl" => self.close_list(|l| l.dl),
            "li" => self.close_item(),
            "dt" => self.close(Kind::Term),
            n if admonition(n).is_some() => {
                if self.in_item() {
                    self.line_break();
                } else {
                    self.boundary();
                    self.label = None;
                }
            }
            _ => {}
        }
    }

    fn finish(&mut self) {
        if self.pre.is_some() {
            self.end_pre();
        }
        while self.frames.len() > 1 {
            self.pop_frame();
        }
        self.flush();
        self.label = None;
    }
}

/// Markdown for a closed `<a>` frame.
fn link_markdown(f: &Frame) -> String {
    let text = f.md.replace('\n', " ");
    let core = text.trim();
    let lead = if text.starts_with(' ') { " " } else { "" };
    let trail = if text.ends_with(' ') && !core.is_empty() { " " } else { "" };
    match &f.href {
        None => code_span(&f.raw),
        Some(href) => {
            let url = encode_url(href);
            if !is_absolute_url(&url) {
                return text;
            }
            if core.is_empty() || f.raw.trim() == href.trim() {
                format!("{lead}<{url}>{trail}")
            } else {
                format!("{lead}[{core}]({url}){trail}")
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Markdown normaliser
// ---------------------------------------------------------------------------
//
// pulldown-cmark decides the block structure (paragraphs, nested lists, code
// blocks and fences, thematic breaks, headings, block quotes); the inline
// text of each block is taken from the source as written and goes through
// `md_inline`, whose rules suit Discovery's Markdown-ish prose better than
// CommonMark's inline parsing: `projects/*/locations/*` is a path, not
// emphasis; relative links keep their text; bare URLs become autolinks.

/// Discovery's lists are indented by hand, and not always consistently: a
/// list marker indented four or more spaces past where it could start an
/// item (its parent item's text, or column 0) is an indented code block or
/// lazy text to CommonMark, never what its author meant. Inside a list
/// (until a paragraph at column 0 after a blank line, a fence or a thematic
/// break) such a marker moves left to its parent item's text column (or to
/// column 3 at the top level): nested as its author meant, never code.
fn clamp_list_markers(lines: &mut [String]) {
    // Text columns of the items the next marker may be nested in.
    let mut columns: Vec<usize> = Vec::new();
    let mut blank = true;
    let mut fence: Option<(char, usize)> = None;
    for line in lines.iter_mut() {
        if let Some((ch, n)) = fence {
            if is_fence_close(line, ch, n) {
                fence = None;
            }
            continue;
        }
        let indent = leading_spaces(line);
        let body = line.trim();
        if body.is_empty() {
            blank = true;
            continue;
        }
        if let Some(open) = fence_open(line) {
            fence = Some(open);
            columns.clear();
        } else if let Some(marker) = list_marker_width(body) {
            if indent < 4 || !columns.is_empty() {
                while columns.last().is_some_and(|&c| c > indent) {
                    columns.pop();
                }
                let base = columns.last().copied().unwrap_or(0);
                let at = if indent >= base + 4 { base.max(3).min(base + 3) } else { indent };
                let at = if columns.is_empty() { at.min(3) } else { at };
                if at != indent {
                    *line = format!("{}{body}", " ".repeat(at));
                }
                columns.push(at + marker + 1);
            }
        } else if indent == 0 && blank {
            columns.clear();
        }
        blank = false;
    }
}

/// The width of the list marker (`-`, `*`, `+`, `1.`, `1)`) that starts
/// `body` (a trimmed line) followed by a space.
fn list_marker_width(body: &str) -> Option<usize> {
    let digits = body.bytes().take_while(u8::is_ascii_digit).count();
    let width = match body.as_bytes().first() {
        Some(b'-' | b'*' | b'+') => 1,
        Some(b'0'..=b'9') if digits <= 9 && matches!(body.as_bytes().get(digits), Some(b'.' | b')')) => digits + 1,
        _ => return None,
    };
    body.get(width..).is_some_and(|rest| rest.starts_with(' ')).then_some(width)
}

/// A list being read: where its items go and how they are numbered.
#[derive(Debug)]
struct MdList {
    /// Output indentation of its markers.
    indent: usize,
    /// The next number of an ordered list; `None` for bullets.
    next: Option<u64>,
}

/// A list item being read.
#[derive(Debug, Clone)]
struct MdItem {
    indent: usize,
    marker: String,
    /// Indentation of its continuation lines and blocks.
    cont: usize,
    /// Blocks emitted so far (the first carries the marker).
    blocks: usize,
    /// Where it starts in the source (an empty item keeps its marker as text).
    start: usize,
}

struct MdConv<'a> {
    source: &'a str,
    blocks: Vec<Block>,
    lists: Vec<MdList>,
    items: Vec<MdItem>,
    /// Depth of the block quote being read (kept as written, see
    /// [`MdConv::literal_quote`]).
    quotes: usize,
    /// The text of the code block being read.
    code: Option<String>,
    /// The source range of the inline text being read.
    run: Option<std::ops::Range<usize>>,
    /// How far the events read so far reach into the source. Text no event
    /// covers is a link reference definition: CommonMark drops it (a second
    /// one of the same label too); its text is kept where it stood.
    seen: usize,
    /// Where the item just begun starts (its marker is not swallowed text).
    item_start: Option<usize>,
    /// An item that ended empty (`-` alone on its line): the paragraph right
    /// after it is its text, as Discovery's converted HTML lists mean it.
    empty_item: Option<MdItem>,
    /// Whether the inline text being read is a heading's.
    heading: bool,
}

impl<'a> MdConv<'a> {
    fn convert(source: &'a str) -> Vec<Block> {
        use pulldown_cmark::{Event, Parser, Tag, TagEnd};
        let parser = Parser::new(source);
        let mut conv = MdConv {
            source,
            blocks: Vec::new(),
            lists: Vec::new(),
            items: Vec::new(),
            quotes: 0,
            code: None,
            run: None,
            seen: 0,
            item_start: None,
            empty_item: None,
            heading: false,
        };
        for (event, range) in parser.into_offset_iter() {
            // A block quote is kept as written, `>` and list markers
            // included: nothing inside it is read as structure.
            if conv.quotes > 0 {
                match event {
                    Event::Start(Tag::BlockQuote(_)) => conv.quotes += 1,
                    Event::End(TagEnd::BlockQuote(_)) => {
                        conv.quotes -= 1;
                        if conv.quotes == 0 {
                            conv.literal_quote(range);
                        }
                    }
                    _ => {}
                }
                continue;
            }
            conv.swallowed(&event, &range);
            match event {
                Event::Text(text) if conv.code.is_some() => {
                    if let Some(code) = conv.code.as_mut() {
                        code.push_str(&text);
                    }
                }
                Event::Start(
                    Tag::Emphasis
                    | Tag::Strong
                    | Tag::Strikethrough
                    | Tag::Superscript
                    | Tag::Subscript
                    | Tag::Link { .. }
                    | Tag::Image { .. },
                ) => conv.extend(range),
                Event::Start(tag) => {
                    conv.flush();
                    if !matches!(tag, Tag::Paragraph | Tag::Heading { .. }) {
                        conv.drop_empty_item();
                    }
                    if matches!(tag, Tag::List(_) | Tag::CodeBlock(_)) {
                        conv.marker_alone();
                    }
                    match tag {
                        Tag::List(first) => conv.start_list(first),
                        Tag::Item => conv.start_item(range.start),
                        Tag::CodeBlock(_) => conv.code = Some(String::new()),
                        Tag::BlockQuote(_) => conv.quotes += 1,
                        // The whole heading as written, `#`s and underline included.
                        Tag::Heading { .. } => {
                            conv.run = Some(range);
                            conv.heading = true;
                        }
                        _ => {}
                    }
                }
                Event::End(tag) => match tag {
                    TagEnd::Emphasis
                    | TagEnd::Strong
                    | TagEnd::Strikethrough
                    | TagEnd::Superscript
                    | TagEnd::Subscript
                    | TagEnd::Link
                    | TagEnd::Image => conv.extend(range),
                    _ => {
                        conv.flush();
                        conv.heading = false;
                        if !matches!(tag, TagEnd::List(_) | TagEnd::Paragraph | TagEnd::Heading(_)) {
                            conv.drop_empty_item();
                        }
                        match tag {
                            TagEnd::List(_) => {
                                conv.lists.pop();
                            }
                            TagEnd::Item => {
                                conv.empty_item = conv.items.pop().filter(|item| item.blocks == 0);
                            }
                            TagEnd::CodeBlock => conv.end_code(),
                            _ => {}
                        }
                    }
                },
                Event::Rule => {
                    conv.flush();
                    conv.drop_empty_item();
                    conv.marker_alone();
                    conv.blocks.push(Block::Rule);
                }
                _ => conv.extend(range),
            }
        }
        conv.keep_swallowed(source.len());
        conv.flush();
        conv.drop_empty_item();
        conv.blocks
    }

    /// An item whose first block is not text (a nested list, a code block,
    /// a break) shows its marker alone on its line, the block under it.
    fn marker_alone(&mut self) {
        if let Some(item) = self.items.last().filter(|item| item.blocks == 0) {
            let block = Block::Item { indent: item.indent, marker: Some(item.marker.clone()), cont: item.cont, lines: Vec::new() };
            self.push(block);
        }
    }

    /// An empty item not followed by a paragraph keeps its marker as text.
    fn drop_empty_item(&mut self) {
        if let Some(item) = self.empty_item.take() {
            let marker = self.source.get(item.start..).and_then(|s| s.lines().next()).unwrap_or("").to_owned();
            self.leaf(&marker);
        }
    }

    /// Keeps the source text before a block event that no event covered (see
    /// [`MdConv::seen`]), then records how far `event` reaches. Inline text is
    /// checked only up to its first line (inside it, ranges skip escapes).
    fn swallowed(&mut self, event: &pulldown_cmark::Event<'_>, range: &std::ops::Range<usize>) {
        use pulldown_cmark::{Event, Tag, TagEnd};
        let container = matches!(event, Event::Start(Tag::List(_) | Tag::Item | Tag::BlockQuote(_)));
        let block = container
            || matches!(
                event,
                Event::Rule
                    | Event::Start(Tag::Paragraph | Tag::Heading { .. } | Tag::CodeBlock(_) | Tag::HtmlBlock)
                    | Event::End(TagEnd::List(_) | TagEnd::Item | TagEnd::BlockQuote(_))
            );
        // A tight item's text has no paragraph event: its first inline
        // event starts a block too.
        let first_inline = !block && self.run.is_none() && self.code.is_none() && !matches!(event, Event::End(_));
        if block {
            let until = if matches!(event, Event::End(_)) { range.end } else { range.start };
            self.keep_swallowed(until);
        } else if first_inline {
            // Up to the text's line only: before the text on its own line
            // stand the item's marker and indentation, or a `\` escape.
            let line_start = self.source.get(self.seen..range.start).and_then(|gap| gap.rfind('\n'));
            if let Some(at) = line_start {
                self.keep_swallowed(self.seen + at + 1);
            }
        }
        self.seen = self.seen.max(if container { range.start } else { range.end });
        self.item_start = matches!(event, Event::Start(Tag::Item)).then_some(range.start);
    }

    /// A block quote (`range` is the outermost one) as written: one
    /// paragraph per run of lines between blank ones, its first line from
    /// its `>` on, the others without their first `> `.
    fn literal_quote(&mut self, range: std::ops::Range<usize>) {
        self.seen = self.seen.max(range.end);
        let source = self.source;
        let text = source.get(range).unwrap_or("");
        let mut paragraph: Vec<String> = Vec::new();
        for line in text.split('\n').chain([""]) {
            let body = line.trim().trim_start_matches(['>', ' ']);
            if !body.is_empty() {
                let line = line.trim();
                let first = line.find('>').and_then(|at| line.get(at..));
                paragraph.push(match first {
                    Some(first) if paragraph.is_empty() => first.to_owned(),
                    // One quote marker and its space; `>= 5` is text.
                    _ => line.strip_prefix("> ").unwrap_or(line).to_owned(),
                });
            } else if !paragraph.is_empty() {
                let joined = paragraph.join("\n");
                self.leaf(&joined);
                paragraph.clear();
            }
        }
    }

    /// Keeps the text between [`MdConv::seen`] and `until`, without the
    /// item marker before it, as a paragraph.
    fn keep_swallowed(&mut self, until: usize) {
        let Some(gap) = self.source.get(self.seen..until) else { return };
        let mut kept: Vec<&str> = Vec::new();
        for (n, line) in gap.split('\n').enumerate() {
            let mut line = line.trim_start();
            if n == 0 && self.item_start == Some(self.seen) {
                // The item's marker: up to the first space, or the whole line.
                line = line.split_once([' ', '\t']).map_or("", |(_, rest)| rest).trim_start();
            }
            if !line.trim().is_empty() {
                kept.push(line.trim_end());
            }
        }
        self.seen = self.seen.max(until);
        if !kept.is_empty() {
            self.flush();
            self.leaf(&kept.join("\n"));
        }
    }

    fn extend(&mut self, range: std::ops::Range<usize>) {
        self.run = Some(match self.run.take() {
            Some(run) => run.start.min(range.start)..run.end.max(range.end),
            None => range,
        });
    }

    fn flush(&mut self) {
        if let Some(run) = self.run.take() {
            let text = self.source.get(run).unwrap_or("").to_owned();
            // Discovery's lists of "-" alone on a line, the text on the next
            // ones: after an empty item, "text\n-" reads as a heading
            // underlined by the next item's marker. It is that item's text,
            // and the "-" starts the next one.
            let body = text.trim_end();
            let underline = body.rfind('\n').filter(|&at| self.heading && body.get(at..).is_some_and(|l| l.trim() == "-"));
            match (underline, self.empty_item.clone()) {
                (Some(at), Some(item)) => {
                    self.leaf(body.get(..at).unwrap_or(""));
                    // The underline is a bullet: a new item, not the one before again.
                    let marker = "-".to_owned();
                    let cont = (item.indent + marker.len() + 1).min(3);
                    self.empty_item = Some(MdItem { marker, cont, ..item });
                }
                _ => self.leaf(&text),
            }
        }
    }

    fn start_list(&mut self, first: Option<u64>) {
        let indent = match self.items.last() {
            // Nested under the item's text, unless that would indent by four
            // or more (a code block): then level with the parent.
            Some(item) if item.indent + item.marker.len() < 3 => item.indent + item.marker.len() + 1,
            Some(item) => item.indent,
            None => 0,
        };
        self.lists.push(MdList { indent, next: first });
    }

    fn start_item(&mut self, start: usize) {
        let Some(list) = self.lists.last_mut() else { return };
        let marker = match list.next.as_mut() {
            Some(n) => {
                let marker = format!("{n}.");
                *n = n.saturating_add(1);
                marker
            }
            None => "-".to_owned(),
        };
        let cont = (list.indent + marker.len() + 1).min(3);
        self.items.push(MdItem { indent: list.indent, marker, cont, blocks: 0, start });
    }

    fn end_code(&mut self) {
        let Some(code) = self.code.take() else { return };
        let lines: Vec<String> = code.split('\n').map(str::to_owned).collect();
        let indent = self.items.last().map_or(0, |item| item.cont);
        self.push(Block::Fence { indent, lines: dedent_block(&lines) });
    }

    /// Adds a block in the current list item (or at the top level).
    fn push(&mut self, block: Block) {
        if let Some(item) = self.items.last_mut() {
            item.blocks += 1;
        }
        self.blocks.push(block);
    }

    /// Turns inline source text into a paragraph or a list item's text. A
    /// heading keeps its source text (its `#` or underline escaped: in
    /// Discovery prose such lines are rarely meant as headings). A `<br>`
    /// breaks the line; two in a row start a new paragraph.
    fn leaf(&mut self, text: &str) {
        let mut paragraphs: Vec<Vec<Line>> = vec![Vec::new()];
        for raw in text.split('\n') {
            let line = raw.trim();
            let segments = md_inline(line, true, true);
            let last = segments.len().saturating_sub(1);
            for (k, segment) in segments.iter().enumerate() {
                let current = paragraphs.last_mut().expect("one paragraph at least");
                if k > 0 {
                    if let Some(line) = current.last_mut() {
                        line.hard = true;
                    }
                }
                let t = segment.trim();
                if !t.is_empty() {
                    current.push(Line::new(t, false));
                } else if k > 0 && k < last && !current.is_empty() {
                    paragraphs.push(Vec::new());
                }
            }
        }
        for lines in paragraphs.into_iter().filter(|p| !p.is_empty()) {
            let block = match (self.empty_item.take(), self.items.last()) {
                (Some(item), _) => Block::Item { indent: item.indent, marker: Some(item.marker), cont: item.cont, lines },
                (None, Some(item)) if item.blocks == 0 => {
                    Block::Item { indent: item.indent, marker: Some(item.marker.clone()), cont: item.cont, lines }
                }
                (None, Some(item)) => Block::Item { indent: item.cont, marker: None, cont: item.cont, lines },
                (None, None) => Block::Para(lines),
            };
            self.push(block);
        }
    }
}

/// Number of consecutive `ch` bytes at byte `i`.
fn run_len(s: &str, i: usize, ch: u8) -> usize {
    s.as_bytes().get(i..).map_or(0, |b| b.iter().take_while(|c| **c == ch).count())
}

/// Finds the end of a backtick run of exactly `n` starting at or after `from`.
fn find_code_close(s: &str, from: usize, n: usize) -> Option<usize> {
    let b = s.as_bytes();
    let mut j = from;
    while j < b.len() {
        if b.get(j) == Some(&b'`') {
            let m = run_len(s, j, b'`');
            if m == n {
                return Some(j + m);
            }
            j += m.max(1);
        } else {
            j += 1;
        }
    }
    None
}

/// Length of a `<scheme:…>` autolink starting at byte `i`.
fn autolink_end(s: &str, i: usize) -> Option<usize> {
    let b = s.as_bytes();
    if b.get(i) != Some(&b'<') || !b.get(i + 1)?.is_ascii_alphabetic() {
        return None;
    }
    let mut j = i + 1;
    while b.get(j).is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-')) {
        j += 1;
    }
    let scheme = j - i - 1;
    if !(2..=32).contains(&scheme) || b.get(j) != Some(&b':') {
        return None;
    }
    j += 1;
    loop {
        match b.get(j) {
            None | Some(b'<' | b' ') => return None,
            Some(b'>') => return Some(j + 1),
            Some(c) if *c < 0x20 || *c == 0x7f => return None,
            _ => j += 1,
        }
    }
}

/// Length of a `<br>`, `<br/>` or `<br />` tag (any case) starting at `i`.
fn br_end(s: &str, i: usize) -> Option<usize> {
    let b = s.as_bytes();
    if !b.get(i + 1..i + 3)?.eq_ignore_ascii_case(b"br") {
        return None;
    }
    let mut j = i + 3;
    if !matches!(b.get(j), Some(b'>' | b'/' | b' ')) {
        return None;
    }
    while b.get(j) == Some(&b' ') {
        j += 1;
    }
    if b.get(j) == Some(&b'/') {
        j += 1;
    }
    while b.get(j) == Some(&b' ') {
        j += 1;
    }
    (b.get(j) == Some(&b'>')).then_some(j + 1)
}

struct MdLink {
    text: (usize, usize),
    dest: (usize, usize),
    end: usize,
}

/// Parses an inline `[text](dest "title")` link starting at byte `i`.
fn parse_md_link(s: &str, i: usize) -> Option<MdLink> {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut j = i;
    let close = loop {
        match b.get(j)? {
            b'\\' => {
                j += 2;
                continue;
            }
            b'[' => depth += 1,
            b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break j;
                }
            }
            _ => {}
        }
        j += 1;
    };
    if b.get(close + 1) != Some(&b'(') {
        return None;
    }
    let mut k = close + 2;
    while b.get(k) == Some(&b' ') {
        k += 1;
    }
    let (dest_start, dest_end);
    if b.get(k) == Some(&b'<') {
        dest_start = k + 1;
        let rel = s.get(dest_start..)?.find('>')?;
        dest_end = dest_start + rel;
        if s.get(dest_start..dest_end)?.contains('<') {
            return None;
        }
        k = dest_end + 1;
    } else {
        dest_start = k;
        let mut parens = 0usize;
        while let Some(&c) = b.get(k) {
            if c <= b' ' {
                break;
            }
            if c == b'(' {
                parens += 1;
            } else if c == b')' {
                if parens == 0 {
                    break;
                }
                parens -= 1;
            } else if c == b'\\' {
                k += 1;
            }
            k += 1;
        }
        k = k.min(s.len());
        dest_end = k;
    }
    while b.get(k) == Some(&b' ') {
        k += 1;
    }
    if let Some(&q @ (b'"' | b'\'')) = b.get(k) {
        let rel = s.get(k + 1..)?.find(q as char)?;
        k = k + 1 + rel + 1;
        while b.get(k) == Some(&b' ') {
            k += 1;
        }
    }
    if b.get(k) != Some(&b')') {
        return None;
    }
    s.get(i + 1..close)?;
    s.get(dest_start..dest_end)?;
    Some(MdLink { text: (i + 1, close), dest: (dest_start, dest_end), end: k + 1 })
}

fn star_can_open(prev: Option<char>, next: Option<char>) -> bool {
    next.is_some_and(|c| c.is_alphanumeric() || matches!(c, '`' | '"' | '\'' | '(' | '['))
        && prev.is_none_or(|p| p.is_whitespace() || matches!(p, '(' | '[' | '"' | '\''))
}

/// Finds a run of exactly `n` stars after `from` that can close emphasis.
fn find_star_closer(s: &str, from: usize, n: usize) -> Option<usize> {
    let window_end = s.len().min(from.saturating_add(1000));
    let mut prev: Option<char> = None;
    let mut j = from;
    while j < window_end {
        let c = s.get(j..)?.chars().next()?;
        if c == '*' {
            let m = run_len(s, j, b'*');
            let next = s.get(j + m..).and_then(|r| r.chars().next());
            let prev_ok = prev.is_some_and(|p| p.is_alphanumeric() || matches!(p, '`' | '"' | '\'' | ')' | ']' | '.' | '!' | '?' | ':'));
            let next_ok = next.is_none_or(|c| c.is_whitespace() || (c.is_ascii_punctuation() && c != '*'));
            if m == n && prev_ok && next_ok && j > from {
                return Some(j);
            }
            prev = Some('*');
            j += m.max(1);
        } else {
            prev = Some(c);
            j += c.len_utf8();
        }
    }
    None
}

/// Normalises one line of Markdown inline content. Returns the segments
/// separated by `<br>` tags. `allow_links` enables `[text](url)` links (off
/// inside link text, which also bounds the recursion to one level);
/// `autolink` turns bare URLs into autolinks.
fn md_inline(s: &str, allow_links: bool, autolink: bool) -> Vec<String> {
    let mut segs = vec![String::new()];
    let mut keep: Vec<usize> = Vec::new();
    let mut prev: Option<char> = None;
    let mut i = 0;
    while let Some(c) = s.get(i..).and_then(|r| r.chars().next()) {
        let mut out = String::new();
        let mut advance = c.len_utf8();
        let mut new_prev = Some(c);
        match c {
            '\\' => {
                let next = s.get(i + 1..).and_then(|r| r.chars().next());
                match next {
                    Some(n) if n.is_ascii_punctuation() => {
                        out.push('\\');
                        out.push(n);
                        advance = 1 + n.len_utf8();
                        new_prev = Some(n);
                    }
                    // A lone backslash is made explicit so it cannot escape
                    // whatever is emitted next (e.g. an autolink's `<`).
                    _ => out.push_str("\\\\"),
                }
            }
            '`' => {
                let n = run_len(s, i, b'`');
                advance = n.max(1);
                match find_code_close(s, i + n, n).and_then(|end| s.get(i..end).map(|t| (end, t))) {
                    Some((end, span)) => {
                        out.push_str(span);
                        advance = end - i;
                    }
                    None => {
                        for _ in 0..n {
                            out.push_str("\\`");
                        }
                    }
                }
            }
            '<' => {
                if let Some(end) = autolink_end(s, i) {
                    out.push_str(s.get(i..end).unwrap_or(""));
                    advance = end - i;
                    new_prev = Some('>');
                } else if let Some(end) = br_end(s, i) {
                    segs.push(String::new());
                    i = end;
                    prev = None;
                    continue;
                } else {
                    out.push_str("&lt;");
                }
            }
            '>' => out.push_str("&gt;"),
            '[' => {
                let mut handled = false;
                if allow_links {
                    if let Some(link) = parse_md_link(s, i) {
                        let text = s.get(link.text.0..link.text.1).unwrap_or("");
                        let dest = s.get(link.dest.0..link.dest.1).unwrap_or("");
                        if is_absolute_url(dest) {
                            let inner = md_inline(text, false, false).join(" ");
                            let inner = normalize_line(&inner);
                            let url = encode_url(dest);
                            if inner.is_empty() {
                                out.push_str(&format!("<{url}>"));
                            } else {
                                out.push_str(&format!("[{inner}]({url})"));
                            }
                            handled = true;
                        } else if is_relative_url(dest) {
                            out.push_str(&normalize_line(&md_inline(text, false, true).join(" ")));
                            handled = true;
                        }
                        if handled {
                            advance = link.end - i;
                            new_prev = Some(')');
                        }
                    }
                }
                if !handled {
                    out.push_str("\\[");
                }
            }
            ']' => out.push_str("\\]"),
            '~' => out.push_str("\\~"),
            '*' => {
                let n = run_len(s, i, b'*').max(1);
                advance = n;
                let next = s.get(i + n..).and_then(|r| r.chars().next());
                let verbatim = if let Some(pos) = keep.iter().position(|p| *p == i) {
                    keep.swap_remove(pos);
                    true
                } else if n <= 3 && star_can_open(prev, next) {
                    match find_star_closer(s, i + n, n) {
                        Some(j) => {
                            keep.push(j);
                            true
                        }
                        None => false,
                    }
                } else {
                    false
                };
                if verbatim {
                    out.push_str(s.get(i..i + n).unwrap_or(""));
                } else {
                    for _ in 0..n {
                        out.push_str("\\*");
                    }
                }
            }
            'h' | 'H' if autolink => match bare_url_end(s, i) {
                Some(end) => {
                    let url = s.get(i..end).unwrap_or("");
                    out.push('<');
                    out.push_str(url);
                    out.push('>');
                    advance = end - i;
                    new_prev = url.chars().next_back();
                }
                None => out.push(c),
            },
            _ => out.push(c),
        }
        if let Some(seg) = segs.last_mut() {
            seg.push_str(&out);
        }
        prev = new_prev;
        i += advance.max(1);
    }
    segs
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

/// The width doc comment text is wrapped at (the `/// ` and the item's
/// indentation come on top).
pub const DOC_WIDTH: usize = 100;

/// Wraps the prose of rustdoc Markdown at `width` columns, so generated doc
/// comments read as paragraphs instead of one line per paragraph. Lines of
/// paragraphs and list items are broken at spaces (a list item's
/// continuation lines indented under its text); fenced and indented code,
/// tables, headings, block quotes and HTML lines are kept as they are, a
/// paragraph line right after a list item is indented under the item, and no line is
/// made to start with a character that would turn it into another block
/// (`-`, `+`, `*`, `#`, `>`, `|`, `=`, `<`, a fence, `1.`).
pub fn wrap_markdown(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / width.max(1));
    let mut fenced = false;
    // The text column of the list item being continued, if any.
    let mut list_hang: Option<usize> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let fence = trimmed.starts_with("```") || trimmed.starts_with("~~~");
        if fence {
            fenced = !fenced;
        }
        let marker = list_marker_len(trimmed);
        let mut indent = line.len() - trimmed.len();
        if trimmed.is_empty() || fence || fenced || trimmed.starts_with(['#', '|']) {
            list_hang = None;
        } else if marker > 0 {
            list_hang = Some(indent + marker);
        } else if let Some(hang) = list_hang {
            // A paragraph line right after a list item continues it: indent it
            // under the item's text (rustdoc would otherwise join it lazily).
            indent = hang;
        }
        let line_len = indent + trimmed.chars().count();
        let keep = fenced
            || fence
            || line_len <= width
            || trimmed.starts_with(['|', '#', '>', '<'])
            || (indent >= 4 && marker == 0 && list_hang.is_none());
        if keep {
            if !fenced && !fence && !trimmed.is_empty() {
                out.push_str(&" ".repeat(indent));
                out.push_str(trimmed);
            } else {
                out.push_str(line);
            }
            out.push('\n');
            continue;
        }
        let hang = indent + marker;
        let continuation = " ".repeat(hang);
        let mut current = format!("{}{}", " ".repeat(indent), &trimmed[..marker]);
        let mut current_len = hang;
        let mut first = true;
        for word in trimmed[marker..].split(' ') {
            let word_len = word.chars().count();
            let fits = current_len + 1 + word_len <= width;
            if first {
                current.push_str(word);
                current_len += word_len;
                first = false;
            } else if fits || word.is_empty() || starts_a_block(word) || current_len == hang {
                current.push(' ');
                current.push_str(word);
                current_len += 1 + word_len;
            } else {
                out.push_str(current.trim_end());
                out.push('\n');
                current = format!("{continuation}{word}");
                current_len = hang + word_len;
            }
        }
        out.push_str(current.trim_end());
        out.push('\n');
    }
    if !text.ends_with('\n') {
        out.pop();
    }
    out
}

/// The length of a list marker with its space (`- `, `* `, `+ `, `1. `,
/// `12) `) at the start of `line`, or 0.
fn list_marker_len(line: &str) -> usize {
    let bytes = line.as_bytes();
    match bytes {
        [b'-' | b'*' | b'+', b' ', ..] => 2,
        _ => {
            let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            match bytes.get(digits..digits + 2) {
                Some([b'.' | b')', b' ']) if (1..=9).contains(&digits) => digits + 2,
                _ => 0,
            }
        }
    }
}

/// Whether a line starting with `word` would begin a new Markdown block.
fn starts_a_block(word: &str) -> bool {
    word.starts_with(['-', '+', '*', '#', '>', '|', '=', '<'])
        || word.starts_with("```")
        || word.starts_with("~~~")
        || list_marker_len(&[word, " "].concat()) > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_wraps_at_the_width_and_blocks_stay() {
        let text = "one two three four five six seven\n\n- alpha beta gamma delta epsilon zeta\n\n```\ncode that is long and stays as it is\n```\n| a | b c d e f g h |";
        let wrapped = wrap_markdown(text, 16);
        assert_eq!(
            wrapped,
            "one two three\nfour five six\nseven\n\n- alpha beta\n  gamma delta\n  epsilon zeta\n\n```\ncode that is long and stays as it is\n```\n| a | b c d e f g h |"
        );
        for line in wrapped.lines().filter(|l| !l.contains("code") && !l.starts_with('|')) {
            assert!(line.chars().count() <= 16, "{line:?}");
        }
    }

    #[test]
    fn wrapping_never_starts_a_block_or_splits_a_word() {
        let text = "a sentence with - a dash and # a hash and 1. a number and https://example.com/a/very/long/url/that/cannot/break";
        let wrapped = wrap_markdown(text, 12);
        for line in wrapped.lines().skip(1) {
            assert!(!starts_a_block(line.trim_start()), "{line:?} in {wrapped:?}");
        }
        assert!(wrapped.lines().any(|l| l.ends_with("https://example.com/a/very/long/url/that/cannot/break")));
        assert_eq!(wrapped.split_whitespace().collect::<Vec<_>>(), text.split_whitespace().collect::<Vec<_>>());
        assert_eq!(wrap_markdown("short", 100), "short");
        assert_eq!(wrap_markdown("1. first item that is long", 10), "1. first\n   item\n   that is\n   long");
    }

    #[test]
    fn lazy_list_continuations_are_indented_under_the_item() {
        let text = "- item\n   `more of it`\nstill the item\n\nA paragraph.\n    code";
        assert_eq!(wrap_markdown(text, 100), "- item\n  `more of it`\n  still the item\n\nA paragraph.\n    code");
    }

    /// Asserts the rustdoc-safety invariants on an output string.
    fn check(out: &str) {
        assert!(!out.ends_with('\n'), "ends with newline: {out:?}");
        assert!(!out.starts_with(char::is_whitespace), "leading whitespace: {out:?}");
        assert!(!out.contains('\r'), "CR: {out:?}");
        assert!(!out.contains("\n\n\n"), "double blank: {out:?}");
        let mut fence: Option<(char, usize)> = None;
        for line in out.split('\n') {
            assert_eq!(line, line.trim_end(), "trailing whitespace in {out:?}");
            assert!(!line.chars().any(|c| c.is_control() && c != '\t'), "control char: {out:?}");
            match fence {
                Some((ch, n)) => {
                    if is_fence_close(line, ch, n) {
                        fence = None;
                    }
                }
                None => {
                    assert!(!line.contains('\t'), "tab outside fence: {out:?}");
                    assert!(leading_spaces(line) < 4, "indented line {line:?} in {out:?}");
                    if let Some((ch, n)) = fence_open(line) {
                        let info = line.trim_start().get(n..).unwrap_or("");
                        assert_eq!(info, "text", "fence without text info in {out:?}");
                        fence = Some((ch, n));
                    }
                }
            }
        }
        assert!(fence.is_none(), "unclosed fence: {out:?}");
    }

    fn html(input: &str) -> String {
        let out = html_to_markdown(input);
        check(&out);
        out
    }

    fn md(input: &str) -> String {
        let out = clean_markdown(input);
        check(&out);
        out
    }

    // ----- html_to_markdown -----

    #[test]
    fn athena_sample() {
        let input = "<p>The engine version used by the session (for example, <code>PySpark engine version\n                3</code>). You can get a list of engine versions by calling <a>ListEngineVersions</a>.</p>";
        assert_eq!(
            html(input),
            "The engine version used by the session (for example, `PySpark engine version 3`). \
             You can get a list of engine versions by calling `ListEngineVersions`."
        );
    }

    #[test]
    fn paragraphs_and_breaks() {
        let input = "<p>First   paragraph\n   continues.</p>\n\n\n<p>Second<br>line two<br/>line three</p><p></p><p>  </p><p>Third</p>";
        assert_eq!(html(input), "First paragraph continues.\n\nSecond\\\nline two\\\nline three\n\nThird");
    }

    #[test]
    fn text_without_paragraph_tags() {
        assert_eq!(html("  Plain text,\n  no tags.  "), "Plain text, no tags.");
        assert_eq!(html(""), "");
        assert_eq!(html("   \n  "), "");
    }

    #[test]
    fn double_br_splits_paragraphs_and_trailing_br_is_dropped() {
        assert_eq!(html("<p>one<br><br>two<br></p>"), "one\n\ntwo");
    }

    #[test]
    fn code_spans() {
        assert_eq!(html("Use <code>a  b</code> now"), "Use `a b` now");
        assert_eq!(html("Use <code>a`b</code>."), "Use `` a`b ``.");
        assert_eq!(html("Use <code>``</code>."), "Use ``` `` ```.");
        assert_eq!(html("empty <code> </code> code"), "empty code");
        assert_eq!(html("<code>a</code><code>b</code>"), "`a` `b`");
        assert_eq!(html("x<code> y </code>z"), "x `y` z");
        // No escaping inside code.
        assert_eq!(html("<code>[a-z]*_&lt;T&gt;</code>"), "`[a-z]*_<T>`");
    }

    #[test]
    fn pre_blocks() {
        let input = "<p>Example:</p><pre><code>\n    {\n      \"a\": 1\n    }\n</code></pre><p>After.</p>";
        assert_eq!(html(input), "Example:\n\n```text\n{\n  \"a\": 1\n}\n```\n\nAfter.");
        // Backtick fences inside pre get a longer fence.
        assert_eq!(html("<pre>```\nx &lt; y\n```</pre>"), "````text\n```\nx < y\n```\n````");
        // Empty pre disappears.
        assert_eq!(html("<p>a</p><pre>\n  \n</pre>"), "a");
        // Unclosed pre runs to the end.
        assert_eq!(html("<pre>  fn main() {}\n    x"), "```text\nfn main() {}\n  x\n```");
    }

    #[test]
    fn links() {
        assert_eq!(
            html(r#"See <a href="https://docs.aws.amazon.com/a b/c(d)">the guide</a>."#),
            "See [the guide](https://docs.aws.amazon.com/a%20b/c%28d%29)."
        );
        assert_eq!(html("<a href='https://example.com/x?a=1&amp;b=2'>x</a>"), "[x](https://example.com/x?a=1&b=2)");
        assert_eq!(html("<a href=https://example.com>docs</a>"), "[docs](https://example.com)");
        assert_eq!(html(r#"<a href="https://example.com"></a>"#), "<https://example.com>");
        assert_eq!(html(r#"<a href="https://example.com">https://example.com</a>"#), "<https://example.com>");
        // Relative links keep only their text.
        assert_eq!(html(r#"<a href="API_Foo.html">Foo docs</a>"#), "Foo docs");
        // Wrapped href.
        assert_eq!(html("<a href=\"https://example.com/very/\n      long\">x</a>"), "[x](https://example.com/very/long)");
        // Link text with brackets and code.
        assert_eq!(html(r#"<a href="https://e.com"><code>Foo</code> [beta]</a>"#), "[`Foo` \\[beta\\]](https://e.com)");
        // <a> without href → code.
        assert_eq!(html("Call <a>CreateBucket</a>."), "Call `CreateBucket`.");
        assert_eq!(html(r#"<a name="anchor"></a>text"#), "text");
    }

    #[test]
    fn emphasis() {
        assert_eq!(html("<b>Bold</b> and <strong>strong</strong>"), "**Bold** and **strong**");
        assert_eq!(html("<i>it</i> and <em> em </em>!"), "*it* and *em* !");
        assert_eq!(html("a<b> </b>b<i></i>c"), "a bc");
        assert_eq!(html("<b>x <b>nested</b></b>"), "**x nested**");
        assert_eq!(html("<b><i>both</i></b>"), "***both***");
        assert_eq!(html("<B>Upper</B>"), "**Upper**");
    }

    #[test]
    fn lists() {
        let input = "<p>Options:</p><ul><li><p>One</p></li><li>Two\n  <ul><li>Two-A</li><li>Two-B<ul><li>deep</li></ul></li></ul></li><li>Three</li></ul><p>After.</p>";
        assert_eq!(html(input), "Options:\n\n- One\n- Two\n  - Two-A\n  - Two-B\n  - deep\n- Three\n\nAfter.");
        let ordered = "<ol><li>first</li><li>second<ol><li>inner</li></ol></li></ol>";
        assert_eq!(html(ordered), "1. first\n2. second\n   1. inner");
        assert_eq!(html(r#"<ol start="3"><li>c</li><li>d</li></ol>"#), "3. c\n4. d");
    }

    #[test]
    fn list_item_with_paragraphs_and_trailing_text() {
        let input = "<ul><li><p>Para one.</p><p>Para two.</p></li><li>Parent<ul><li>child</li></ul>tail</li></ul>";
        assert_eq!(html(input), "- Para one.\\\n  Para two.\n- Parent\n  - child\n\n  tail");
    }

    #[test]
    fn list_item_starting_with_text_that_looks_like_markdown() {
        assert_eq!(html("<ul><li>- dash</li><li>1. one</li><li># hash</li></ul>"), "- \\- dash\n- 1\\. one\n- \\# hash");
    }

    #[test]
    fn pre_inside_list_item() {
        let input = "<ul><li>Example:<pre>a\n  b</pre></li><li><pre>c</pre></li></ul>";
        assert_eq!(html(input), "- Example:\n  ```text\n  a\n    b\n  ```\n-\n  ```text\n  c\n  ```");
    }

    #[test]
    fn definition_lists() {
        let input = "<dl><dt>Name</dt><dd><p>The name.</p></dd><dt>Value:</dt><dd>The value.</dd><dd>More.</dd></dl>";
        assert_eq!(html(input), "- **Name**: The name.\n- **Value:** The value.\\\n  More.");
    }

    #[test]
    fn notes() {
        let input = "<p>Intro.</p><note><p>Only one session can run at a time.</p><p>Second paragraph.</p></note><important>Careful &amp; quick.</important>";
        assert_eq!(
            html(input),
            "Intro.\n\n**Note:** Only one session can run at a time.\n\nSecond paragraph.\n\n**Important:** Careful & quick."
        );
        assert_eq!(html("<note></note><p>x</p>"), "x");
        assert_eq!(html("<note><ul><li>a</li></ul></note>"), "**Note:**\n\n- a");
        assert_eq!(html("<ul><li>item<note>careful</note></li></ul>"), "- item\\\n  **Note:** careful");
    }

    #[test]
    fn headings_become_bold_paragraphs() {
        assert_eq!(html("<h1>Title</h1><p>Body</p><h3>Sub</h3>"), "**Title**\n\nBody\n\n**Sub**");
    }

    #[test]
    fn dropped_and_transparent_tags() {
        assert_eq!(
            html("<fullname>Amazon Athena</fullname><p>Athena is <span class=\"x\">an</span> <div>interactive</div> service.</p>"),
            "Athena is an\n\ninteractive\n\nservice."
        );
        assert_eq!(html("a<!-- hidden <b> -->b"), "ab");
        assert_eq!(html("<foo>kept</foo> <Custom-Tag/>text"), "kept text");
        assert_eq!(html("<table><tr><th>Key</th><th>Value</th></tr><tr><td>a</td><td>1</td></tr></table>"), "Key Value\\\na 1");
        assert_eq!(html("<![CDATA[a <b> c]]>"), "a &lt;b&gt; c");
        assert_eq!(html("<!DOCTYPE html><?xml version=\"1.0\"?>ok"), "ok");
        assert_eq!(html("<hr>"), "---");
        assert_eq!(html("a<hr/>b"), "a\n\n---\n\nb");
        assert_eq!(html("<script>alert(1)</script>safe"), "safe");
    }

    #[test]
    fn entities() {
        assert_eq!(
            html("&lt;tag&gt; &amp; &quot;q&quot; &apos;a&#39; x&nbsp;y &#65;&#x42;&#X43; &mdash;"),
            "&lt;tag&gt; & \"q\" 'a' x y ABC —"
        );
        // Invalid references are kept literally (and escaped so Markdown keeps them).
        assert_eq!(html("&bogus; &#xZZ; &#99999999; &#0; & alone &"), "&amp;bogus; &#xZZ; &amp;#99999999; &amp;#0; & alone &");
        assert_eq!(html("&amp;lt;"), "&amp;lt;");
        // Every HTML name is known (not only the common ones), but only with its `;`.
        assert_eq!(html("caf&eacute; &Omega;&frac12; &region=us &para=1 &copy"), "café Ω½ &region=us &para=1 &copy");
        assert_eq!(html("<a href=\"https://a.b/?x=1&region=us&amp;y=2\">link</a>"), "[link](https://a.b/?x=1&region=us&y=2)");
    }

    #[test]
    fn malformed_html() {
        assert_eq!(html("if a < b and c > d"), "if a &lt; b and c &gt; d");
        assert_eq!(html("x<5 and <3"), "x&lt;5 and &lt;3");
        assert_eq!(html("<p>unclosed <b>bold <i>ital"), "unclosed **bold *ital***");
        assert_eq!(html("<P CLASS=Foo>Upper <CODE>Case</CODE></P>"), "Upper `Case`");
        assert_eq!(html("text </b> stray close</li></ul>"), "text stray close");
        assert_eq!(html("<a href=\"unterminated>x"), "&lt;a href=\"unterminated&gt;x");
        assert_eq!(html("<code>arn:aws:iam::<account-id>:role/x</code>"), "`arn:aws:iam::<account-id>:role/x`");
        assert_eq!(html("<b"), "&lt;b");
        // A "tag" that runs into another `<` is text; the next tag still counts.
        assert_eq!(html("if a<b then <code>x</code>"), "if a&lt;b then `x`");
        assert_eq!(html("<"), "&lt;");
        assert_eq!(html("<!-- unterminated"), "&lt;!-- unterminated");
        assert_eq!(html("</"), "&lt;/");
        assert_eq!(html("<li>stray item</li>"), "- stray item");
        assert_eq!(html("<dd>lonely</dd>"), "- lonely");
        assert_eq!(html("<ul><li>a<li>b</ul>"), "- a\n- b");
        assert_eq!(html("<p>a<ul><li>b</p>c</li></ul>"), "a\n\n- b\\\n  c");
    }

    #[test]
    fn prose_that_only_looks_like_markup_is_kept_as_text() {
        // Declarations the standard reads as "bogus comments" would be dropped.
        assert_eq!(html("a </ 2 words> b"), "a &lt;/ 2 words&gt; b");
        assert_eq!(html("x <![CDATA[ y z"), "x &lt;!\\[CDATA\\[ y z");
        assert_eq!(html("a <!-- b"), "a &lt;!-- b");
        // A quote left open does not swallow the rest.
        assert_eq!(html("<a href=\"x>link <b>bold</b> rest"), "&lt;a href=\"x&gt;link **bold** rest");
        assert_eq!(html("<p>a<b</p>"), "a&lt;b");
        assert_eq!(html("a <? b and c > d <!x> x<?y then z>w"), "a &lt;? b and c &gt; d &lt;!x&gt; x&lt;?y then z&gt;w");
        // Comments end where the tokenizer ends them.
        assert_eq!(html("<!--> a </ b c --> tail"), "a &lt;/ b c --&gt; tail");
        assert_eq!(html("<!-- a --!> visible </ hidden --> tail"), "visible &lt;/ hidden --&gt; tail");
        // Comments and declarations are still dropped.
        assert_eq!(html("a <!-- c --> b <?xml version=\"1.0\"?>c<!doctype html>"), "a b c");
        // Only whole names (with their `;`) are references.
        assert_eq!(html("x &notit; &lt3; &copyright; &eacute; &semi;"), "x &amp;notit; &amp;lt3; &amp;copyright; é ;");
        // Many openings without their ends (one pass over the input).
        let many = "a<b".repeat(30_000) + &"<!--".repeat(10_000) + &"<![CDATA[".repeat(10_000) + &"<a x=\"".repeat(10_000);
        let out = html(&many);
        assert_eq!(out.matches("&lt;").count(), 60_000);
    }

    #[test]
    fn markdown_special_characters_in_html_text() {
        assert_eq!(
            html("<p>Pattern [a-z]+ matches *.txt, `tick`, ~/home and \\d, snake_case but _x_</p>"),
            "Pattern \\[a-z\\]+ matches \\*.txt, \\`tick\\`, \\~/home and \\\\d, snake_case but \\_x\\_"
        );
        assert_eq!(
            html("<p># not a heading</p><p>- not a list</p><p>2019. A year</p><p>===</p>"),
            "\\# not a heading\n\n\\- not a list\n\n2019\\. A year\n\n\\==="
        );
        assert_eq!(html("<p>a<br>+ b<br>&gt; quote<br>~~~<br>```</p>"), "a\\\n\\+ b\\\n&gt; quote\\\n\\~\\~\\~\\\n\\`\\`\\`");
    }

    #[test]
    fn bare_urls_in_html() {
        assert_eq!(
            html("<p>See https://docs.aws.amazon.com/athena/latest/ug/. Or (http://example.com/a_(b)).</p>"),
            "See <https://docs.aws.amazon.com/athena/latest/ug/>. Or (<http://example.com/a_(b)>)."
        );
        assert_eq!(html("<code>https://example.com</code>"), "`https://example.com`");
        // rustdoc flags every `http(s)://`, whatever precedes it.
        assert_eq!(html("x=https://a.b xhttp://c.d https://"), "x=<https://a.b> x<http://c.d> https://");
    }

    #[test]
    fn whitespace_and_control_characters() {
        assert_eq!(html("<p>a\r\n\tb\u{7}c</p>"), "a bc");
        assert_eq!(html("<p>é 日本 😀</p>"), "é 日本 😀");
    }

    #[test]
    fn bare_urls_inside_text_only_links() {
        // A relative href leaves the text outside any link: URLs get autolinked.
        assert_eq!(html(r#"<a href="rel.html">see https://a.b/c</a>"#), "see <https://a.b/c>");
        assert_eq!(html("<a>https://a.b</a>"), "`https://a.b`");
    }

    #[test]
    fn bidi_controls_are_removed() {
        // rustc rejects these in comments (text_direction_codepoint_in_comment).
        assert_eq!(html("a\u{202E}b\u{2066}c"), "abc");
        assert_eq!(md("a\u{202E}b"), "ab");
    }

    // ----- clean_markdown -----

    #[test]
    fn discovery_plain_description() {
        assert_eq!(
            md("Required. The name of the instance. Format: `projects/{project}/instances/{instance}`"),
            "Required. The name of the instance. Format: `projects/{project}/instances/{instance}`"
        );
    }

    #[test]
    fn discovery_bullets() {
        let input = "The state of the job. Possible values:\n* `RUNNING`: the job runs.\n* `DONE`: finished.\n  * nested detail\n      * deeper detail\n+ plus bullet\nTrailing paragraph after blank?\n\nNext paragraph.";
        assert_eq!(
            md(input),
            "The state of the job. Possible values:\n\n- `RUNNING`: the job runs.\n- `DONE`: finished.\n  - nested detail\n  - deeper detail\n- plus bullet\n  Trailing paragraph after blank?\n\nNext paragraph."
        );
        assert_eq!(md("1) one\n2) two\n   - sub"), "1. one\n2. two\n   - sub");
    }

    #[test]
    fn discovery_indented_block() {
        let input = "Example request:\n\n    {\n      \"name\": \"x\"\n    }\n\nThat is all.";
        assert_eq!(md(input), "Example request:\n\n```text\n{\n  \"name\": \"x\"\n}\n```\n\nThat is all.");
        // Indentation that is only continuation text is stripped.
        assert_eq!(md("First line\n        continued line\n   third"), "First line\ncontinued line\nthird");
        // Text indented as a whole is not code.
        assert_eq!(md("    Whole text\n    is indented."), "Whole text\nis indented.");
        // Tabs.
        assert_eq!(md("a\n\n\tcode\n\nb"), "a\n\n```text\ncode\n```\n\nb");
    }

    #[test]
    fn discovery_fences() {
        assert_eq!(md("Run:\n```python\nprint(1)\n```"), "Run:\n\n```text\nprint(1)\n```");
        assert_eq!(md("~~~\n    indented\n  less\n~~~\nafter"), "```text\n  indented\nless\n```\n\nafter");
        assert_eq!(md("```\nunclosed"), "```text\nunclosed\n```");
        assert_eq!(md("Inline ```code``` stays"), "Inline ```code``` stays");
    }

    #[test]
    fn discovery_brackets_and_links() {
        assert_eq!(
            md("Must match the regular expression [a-z]([-a-z0-9]*[a-z0-9])? exactly."),
            "Must match the regular expression \\[a-z\\](\\[-a-z0-9\\]\\*\\[a-z0-9\\])? exactly."
        );
        assert_eq!(md("[Output Only] Creation time."), "\\[Output Only\\] Creation time.");
        // Relative links keep their text only.
        assert_eq!(
            md("See [the docs](https://cloud.google.com/x) and [labels](/compute/docs/labeling)."),
            "See [the docs](https://cloud.google.com/x) and labels."
        );
        // Not a CommonMark link (unquoted title): brackets escaped, URL autolinked.
        assert_eq!(md("See [the docs](https://cloud.google.com/x (y))."), "See \\[the docs\\](<https://cloud.google.com/x> (y)).");
        assert_eq!(md("A [link](https://a.b/c_(d)) here"), "A [link](https://a.b/c_%28d%29) here");
        assert_eq!(md("[text](<https://a.b/x y>)"), "[text](https://a.b/x%20y)");
        assert_eq!(md("[t](https://a.b \"Title\")"), "[t](https://a.b)");
        assert_eq!(md("[](https://a.b)"), "<https://a.b>");
        assert_eq!(md("[[nested]](https://a.b)"), "[\\[nested\\]](https://a.b)");
        assert_eq!(md("Already \\[escaped\\]."), "Already \\[escaped\\].");
        assert_eq!(md("[rel https://a.b](/x)"), "rel <https://a.b>");
        assert_eq!(md("C:\\dir and \\https://a.b"), "C:\\\\dir and \\\\<https://a.b>");
        assert_eq!(md("Use `[a-z]` in code"), "Use `[a-z]` in code");
    }

    #[test]
    fn discovery_bare_urls() {
        assert_eq!(
            md("For more information, see https://cloud.google.com/storage/docs/json_api."),
            "For more information, see <https://cloud.google.com/storage/docs/json_api>."
        );
        assert_eq!(md("(see http://example.com/path), then"), "(see <http://example.com/path>), then");
        assert_eq!(md("Autolink <https://a.b/c> kept"), "Autolink <https://a.b/c> kept");
        assert_eq!(md("Code `https://a.b` kept"), "Code `https://a.b` kept");
        assert_eq!(md("[https://a.b](https://a.b)"), "[https://a.b](https://a.b)");
    }

    #[test]
    fn discovery_html_fragments() {
        assert_eq!(md("Line one<br>Line two<br/>Line three<BR />"), "Line one\\\nLine two\\\nLine three");
        assert_eq!(md("A<br><br>B"), "A\n\nB");
        assert_eq!(md("Values <b>must</b> be < 10 and > 2, <p>"), "Values &lt;b&gt;must&lt;/b&gt; be &lt; 10 and &gt; 2, &lt;p&gt;");
        assert_eq!(md("* item<br>more"), "- item\\\n  more");
    }

    #[test]
    fn discovery_emphasis_and_stars() {
        assert_eq!(md("This is *important* and **bold**."), "This is *important* and **bold**.");
        assert_eq!(md("Use projects/*/locations/* here"), "Use projects/\\*/locations/\\* here");
        assert_eq!(md("2 * 3 = 6, 5*4"), "2 \\* 3 = 6, 5\\*4");
        assert_eq!(md("*unclosed emphasis"), "\\*unclosed emphasis");
        assert_eq!(md("~approx~ value"), "\\~approx\\~ value");
        assert_eq!(md("snake_case and __init__"), "snake_case and __init__");
    }

    #[test]
    fn discovery_headings_and_breaks() {
        assert_eq!(md("# Title\nText"), "\\# Title\n\nText");
        assert_eq!(md("Title\n====="), "Title\n\\=====");
        assert_eq!(md("Above\n---\nBelow"), "Above\n\\---\n\nBelow");
        assert_eq!(md("Above\n\n---\nBelow"), "Above\n\n---\n\nBelow");
        assert_eq!(md("> quoted"), "&gt; quoted");
        assert_eq!(md("-\n+"), "\\-\n\n\\+");
    }

    #[test]
    fn discovery_whitespace() {
        assert_eq!(md("\r\n\r\n  Text  \r\n\r\n\r\n\r\nMore\r"), "Text\n\nMore");
        assert_eq!(md(""), "");
        assert_eq!(md("\n\n"), "");
        assert_eq!(md("trailing  \nspaces"), "trailing\nspaces");
    }

    #[test]
    fn discovery_lists_as_google_writes_them() {
        // A marker alone on its line, the item's text on the next ones.
        let input = "Use one of:\n   \n   - \n   Full URL, as in\n   https://a.b/x\n   - \n   Partial URL\n   - \n   A name";
        assert_eq!(md(input), "Use one of:\n\n- Full URL, as in\n  <https://a.b/x>\n- Partial URL\n- A name");
        // A number that starts a line inside a paragraph is not a list.
        assert_eq!(md("Defaults to\n1024. Larger is finer."), "Defaults to\n1024\\. Larger is finer.");
        // Markers indented by hand four or more spaces stay list items.
        let input = "States:\n   \n   - OK: fine.\n   - LOW: below the low\n    threshold. \n   - HIGH: above\n    - ALARM: far above";
        assert_eq!(md(input), "States:\n\n- OK: fine.\n- LOW: below the low\n  threshold.\n- HIGH: above\n- ALARM: far above");
        let input = "- parent:\n          - child one\n  - child two";
        assert_eq!(md(input), "- parent:\n  - child one\n  - child two");
        // A paragraph after a blank line at column 1 is not the last item's.
        assert_eq!(md("- a\n- b\n\n Note that x."), "- a\n- b\n\nNote that x.");
        // Text CommonMark would take for a link reference definition stays.
        assert_eq!(md("[Deprecated]: https://a.b/c\nUse d."), "\\[Deprecated\\]: <https://a.b/c>\n\nUse d.");
    }

    #[test]
    fn discovery_item_starting_with_a_list_or_code_keeps_its_marker() {
        assert_eq!(md("-\n  - a"), "-\n  - a");
        assert_eq!(md("1. - x\n   - y"), "1.\n   - x\n   - y");
        assert_eq!(md("- ```\n  code\n  ```\n- b"), "-\n  ```text\n  code\n  ```\n- b");
        assert_eq!(md("1.      - x y"), "1.\n   ```text\n   - x y\n   ```");
    }

    #[test]
    fn discovery_link_reference_definitions_keep_their_text() {
        assert_eq!(md("[a]: /x\n[a]: /y\n\ntext"), "\\[a\\]: /x\n\\[a\\]: /y\n\ntext");
        assert_eq!(md("1. [a]: /x\n   [a]: /y"), "1. \\[a\\]: /x\n   \\[a\\]: /y");
        assert_eq!(md("- [a]: /x\n- b"), "- \\[a\\]: /x\n- b");
        assert_eq!(md("text\n\n[a]:\n/x\n\nmore"), "text\n\n\\[a\\]:\n/x\n\nmore");
        // In a tight item (no paragraph event), before the item's text.
        assert_eq!(md("- [a]: /x\nfoo"), "- \\[a\\]: /x\n\n  foo");
        assert_eq!(md("- a\n- [b]: /x\n  foo"), "- a\n- \\[b\\]: /x\n\n  foo");
        // Escapes inside text are not swallowed text.
        assert_eq!(md("- \\*a\n- b"), "- \\*a\n- b");
        assert_eq!(md("a \\* b\n\n- c \\*\n- d"), "a \\* b\n\n- c \\*\n- d");
    }

    #[test]
    fn discovery_marker_alone_lists_take_the_next_marker_as_written() {
        assert_eq!(md("-\nfoo\n-\nbar\n-\nbaz"), "- foo\n- bar\n- baz");
        assert_eq!(md("1.\nfoo\n-\nbar"), "1. foo\n- bar");
    }

    #[test]
    fn discovery_lists_in_quotes_stay_as_written() {
        assert_eq!(md("> - a"), "&gt; - a");
        assert_eq!(md("> - a\n> - b"), "&gt; - a\n\\- b");
        assert_eq!(md("> - ***\n>\n> - [a]: /x\n> - b"), "&gt; - \\*\\*\\*\n\n&gt; - \\[a\\]: /x\n\\- b");
        assert_eq!(md("- > a\n  > b"), "- &gt; a\n  b");
        assert_eq!(md("> a\n> >= 5\n>= 6"), "&gt; a\n&gt;= 5\n&gt;= 6");
    }

    #[test]
    fn discovery_list_paragraph_continuation() {
        let input = "* first\n\n  continued paragraph\n* second\n\nafter list";
        assert_eq!(md(input), "- first\n\n  continued paragraph\n- second\n\nafter list");
    }

    // ----- property-style tests -----

    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            let n = items.len() as u64;
            items.get((self.next() % n.max(1)) as usize).copied().unwrap_or("")
        }
    }

    const FRAGMENTS: &[&str] = &[
        "<p>",
        "</p>",
        "<ul>",
        "</ul>",
        "<ol>",
        "</ol>",
        "<li>",
        "</li>",
        "<dl>",
        "<dt>",
        "</dt>",
        "<dd>",
        "</dd>",
        "</dl>",
        "<code>",
        "</code>",
        "<pre>",
        "</pre>",
        "<a href=\"https://x.com/a b)\">",
        "<a href='rel'>",
        "<a href=",
        "<a>",
        "</a>",
        "<b>",
        "</b>",
        "<i>",
        "</i>",
        "<em>",
        "<br>",
        "<br/>",
        "<BR >",
        "<note>",
        "</note>",
        "<important>",
        "<h2>",
        "</h2>",
        "<table>",
        "<tr>",
        "<td>",
        "<fullname>",
        "</fullname>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "<?x",
        "<!x>",
        "&lt;",
        "&gt;",
        "&amp;",
        "&#x1F600;",
        "&#99999999;",
        "&bogus;",
        "&nbsp;",
        "&",
        "<",
        ">",
        "[",
        "]",
        "(",
        ")",
        "`",
        "``",
        "```",
        "~~~",
        "~",
        "*",
        "**",
        "_",
        "\\",
        "#",
        "# ",
        "* ",
        "- ",
        "+ ",
        "1. ",
        "10) ",
        "=",
        "---",
        "    ",
        "  ",
        "\t",
        "\n",
        "\n\n",
        "\r\n",
        "\r",
        "é",
        "日本",
        "😀",
        "\u{a0}",
        "\u{7}",
        "http://example.com.",
        "https://a.b/c_(d)),",
        "word",
        " ",
        "text ",
        "'",
        "\"",
        "</",
        "<x y='1'>",
        "</x>",
        "[link](https://e.com)",
        "[rel](/a)",
        "<https://auto.link>",
        "|",
        ":",
        ">",
        "1",
        "\u{2028}",
    ];

    fn random_input(rng: &mut Lcg) -> String {
        let len = rng.next() % 40;
        let mut s = String::new();
        for _ in 0..len {
            if rng.next() % 10 == 0 {
                // An arbitrary code point, including unusual ones.
                let cp = (rng.next() % 0x11_0000) as u32;
                if let Some(c) = char::from_u32(cp) {
                    s.push(c);
                }
            } else {
                s.push_str(rng.pick(FRAGMENTS));
            }
        }
        s
    }

    #[test]
    fn random_inputs_never_panic_and_stay_safe() {
        let mut rng = Lcg(0x5eed_1234_abcd_0042);
        for _ in 0..600 {
            let input = random_input(&mut rng);
            let a = html_to_markdown(&input);
            check(&a);
            assert_eq!(a, html_to_markdown(&input), "non-deterministic for {input:?}");
            let b = clean_markdown(&input);
            check(&b);
            assert_eq!(b, clean_markdown(&input), "non-deterministic for {input:?}");
            // Feeding the output back in must stay safe as well.
            check(&clean_markdown(&a));
            check(&clean_markdown(&b));
        }
    }

    #[test]
    fn deeply_nested_and_long_inputs_do_not_blow_up() {
        // Unclosed inline tags, each followed by a block: every word kept.
        let out = html(&("<b>x <i>".repeat(20_000) + &"<p>y".repeat(20_000)));
        assert_eq!((out.matches('x').count(), out.matches('y').count()), (20_000, 20_000));
        let deep = "<ul><li>x".repeat(200);
        check(&html_to_markdown(&deep));
        let many = "<b>".repeat(500) + "text";
        check(&html_to_markdown(&many));
        let stray = "<a ".repeat(2000);
        check(&html_to_markdown(&stray));
        let stars = "*a ".repeat(2000);
        check(&clean_markdown(&stars));
        let brackets = "[".repeat(2000) + "](https://a.b)";
        check(&clean_markdown(&brackets));
        let nested_md = "  ".repeat(50) + "* deep";
        check(&clean_markdown(&format!("* a\n{nested_md}")));
    }
}
