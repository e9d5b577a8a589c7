//! Markdown cells to HTML, safely: shared notebooks come from strangers.
//!
//! CommonMark plus tables, strikethrough and task lists (pulldown-cmark).
//! Raw HTML in the input is shown as text, never passed through, and link
//! and image URLs other than `http:`, `https:`, `mailto:` and relative ones
//! (`javascript:`, `data:`, `vbscript:` …) are replaced by `#`.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

/// Renders Markdown to HTML that is safe to put into the page.
pub fn to_html(text: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events = Parser::new_ext(text, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::HtmlBlock) => Event::Start(Tag::Paragraph),
        Event::End(TagEnd::HtmlBlock) => Event::End(TagEnd::Paragraph),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Link { link_type, dest_url: safe_url(dest_url), title, id })
        }
        Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Image { link_type, dest_url: safe_url(dest_url), title, id })
        }
        other => other,
    });
    let mut out = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// The URL if its scheme is allowed (or it has none), else `#`.
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    // Browsers ignore whitespace and control characters inside a scheme.
    let squeezed: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .take_while(|&c| !matches!(c, '/' | '?' | '#'))
        .collect();
    match squeezed.split_once(':') {
        None => url,
        Some((scheme, _)) => {
            let scheme = scheme.to_ascii_lowercase();
            if matches!(scheme.as_str(), "http" | "https" | "mailto") { url } else { CowStr::Borrowed("#") }
        }
    }
}
