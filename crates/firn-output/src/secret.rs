//! The scrubber that keeps secrets out of messages.

use firn_secret::Secret;

/// Removes known secret values and URL query strings (which may carry signatures) from text
/// that came from a store, before it goes into an error.
#[derive(Clone, Default)]
pub(crate) struct Scrubber {
    values: Vec<String>,
}

impl Scrubber {
    /// A scrubber for these secrets (empty values are ignored).
    pub(crate) fn new<'a>(secrets: impl IntoIterator<Item = &'a Secret>) -> Self {
        let values = secrets
            .into_iter()
            .map(|s| s.expose().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        Self { values }
    }

    /// A scrubber for the credentials the standard AWS chain reads from the environment.
    pub(crate) fn from_env() -> Self {
        let secrets: Vec<Secret> = [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
        ]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .map(Secret::new)
        .collect();
        Self::new(&secrets)
    }

    /// The text with every secret replaced by `***` and every `?query` of a URL dropped.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = strip_queries(text);
        for value in &self.values {
            out = out.replace(value.as_str(), "***");
        }
        out
    }
}

/// Replaces the query string of each `http://` or `https://` URL with `?<redacted>`.
fn strip_queries(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = find_url(rest) {
        let (before, url_and_after) = rest.split_at(start);
        out.push_str(before);
        let end = url_and_after
            .find(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>')
            .unwrap_or(url_and_after.len());
        let url = &url_and_after[..end];
        match url.find('?') {
            Some(q) => {
                out.push_str(&url[..q]);
                out.push_str("?<redacted>");
            }
            None => out.push_str(url),
        }
        rest = &url_and_after[end..];
    }
    out.push_str(rest);
    out
}

fn find_url(text: &str) -> Option<usize> {
    match (text.find("http://"), text.find("https://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubber_removes_values_and_queries() {
        let scrub = Scrubber::new([&Secret::new("KEY123"), &Secret::new("")]);
        let text =
            "PUT https://b.s3.amazonaws.com/k?X-Amz-Signature=abc&uploadId=1 failed: KEY123 bad";
        assert_eq!(
            scrub.scrub(text),
            "PUT https://b.s3.amazonaws.com/k?<redacted> failed: *** bad"
        );
        assert_eq!(scrub.scrub("no urls here"), "no urls here");
    }
}
