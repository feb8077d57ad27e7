//! The words of a line: its first word, its comment (after `;`), and the comment's tags, which
//! follow hledger: a tag is a word immediately followed by `:`, its value runs to the next `,`.

use memchr::memchr;

/// The first whitespace-delimited word and the rest (starting with the whitespace).
pub(super) fn split_word(s: &str) -> (&str, &str) {
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], &s[i..]),
        // An empty slice at the end (not a literal ""), so that it still locates errors.
        None => (s, &s[s.len()..]),
    }
}

/// Text before the first `;`, and the comment after it.
pub(super) fn split_comment(s: &str) -> (&str, Option<&str>) {
    match memchr(b';', s.as_bytes()) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    }
}

/// The tags of a comment (the text after `;`), hledger style: in each `,`-separated part, the
/// word right before the first `:` that follows a non-blank character is the tag's name, and
/// the rest of the part, trimmed, its value. Parts without such a colon are plain comment.
pub(super) fn tags(comment: &str) -> impl Iterator<Item = (&str, &str)> {
    comment.split(',').filter_map(|part| {
        let mut from = 0;
        while let Some(i) = memchr(b':', &part.as_bytes()[from..]) {
            let colon = from + i;
            let before = &part[..colon];
            let start = before
                .char_indices()
                .rev()
                .find(|(_, c)| c.is_whitespace())
                .map_or(0, |(j, c)| j + c.len_utf8());
            if start < colon {
                return Some((&part[start..colon], part[colon + 1..].trim()));
            }
            from = colon + 1;
        }
        None
    })
}

pub(super) fn owned((k, v): (&str, &str)) -> (String, String) {
    (k.to_string(), v.to_string())
}
