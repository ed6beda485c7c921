//! Where in a long ASCII text a snippet is looked for: `search/engines/snippet_region.py`'s
//! `locate`, step for step (the same scan, window sums in doubles in the same order, the same
//! tie rule), so the region -- and so the snippet -- is the Python one. Only ASCII texts come
//! here: there byte offsets are Python's character offsets and lower-casing keeps the length.

use memchr::memmem;

const CONTEXT_CHARS: usize = 40;
const END_MARGIN: usize = 12;
const MAX_PER_WORD: usize = 512;

/// snippet_region's (needle, weight) list, each needle's searcher built once for a page.
pub struct Wanted {
    needles: Vec<(memmem::Finder<'static>, f64)>,
}

impl Wanted {
    pub fn new(wanted: &[(String, f64)]) -> Self {
        Wanted { needles: wanted.iter().map(|(n, w)| (memmem::Finder::new(n.as_bytes()).into_owned(), *w)).collect() }
    }
}

/// A text whose characters beyond ASCII are all separators: neither letters nor digits (so no
/// word of tantivy's tokenizer or of `str.isalnum` holds them), their own lower case (so Python's
/// `str.lower()` keeps every offset), and below U+3000 (long-assigned: the Unicode tables of this
/// build and of tantivy's agree on them). Typographic quotes, dashes, `…`, `£`, `€`: most of the
/// news texts that are not ASCII. The marker works on such a text byte by byte as tantivy does.
pub fn separators_only(text: &str) -> bool {
    text.is_ascii()
        || text.chars().all(|c| {
            c.is_ascii() || (!c.is_alphanumeric() && (c as u32) < 0x3000 && c.to_lowercase().eq(std::iter::once(c)))
        })
}

/// `snippet_region.locate` of a text of ASCII and separators, in bytes: Python counts characters,
/// so the search runs over one byte per character (a separator as 0x80, which no needle holds)
/// and the region's ends are mapped back to byte offsets.
pub fn locate_text(text: &str, wanted: &Wanted, width: usize) -> Option<(usize, usize)> {
    if text.is_ascii() {
        return locate(text.as_bytes(), wanted, width);
    }
    let (view, offsets) = char_view(text);
    locate(&view, wanted, width).map(|(start, end)| (offsets[start], offsets[end]))
}

/// One byte per character of `text` (0x80 for any beyond ASCII), and each character's byte offset
/// (and the text's length after the last).
pub fn char_view(text: &str) -> (Vec<u8>, Vec<usize>) {
    let mut view = Vec::with_capacity(text.len());
    let mut offsets = Vec::with_capacity(text.len() + 1);
    for (at, c) in text.char_indices() {
        view.push(if c.is_ascii() { c as u8 } else { 0x80 });
        offsets.push(at);
    }
    offsets.push(text.len());
    (view, offsets)
}

/// (start, end) of the region of `text` to highlight in, or None for the whole text (it is
/// short, or no needle occurs at a word start). `wanted`: (needle, weight), as Python's
/// `snippet_region.needles` made them.
pub fn locate(text: &[u8], wanted: &Wanted, width: usize) -> Option<(usize, usize)> {
    let limit = width * 3 / 2; // int(width * 1.5)
    if text.len() <= limit || wanted.needles.is_empty() {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let mut hits: Vec<(usize, f64)> = Vec::new();
    for (finder, weight) in &wanted.needles {
        let (mut at, mut seen, step) = (find(&lower, finder, 0), 0, finder.needle().len());
        while let Some(i) = at {
            if seen >= MAX_PER_WORD {
                break;
            }
            seen += 1;
            if i == 0 || !lower[i - 1].is_ascii_alphanumeric() {
                hits.push((i, *weight));
            }
            at = find(&lower, finder, i + step);
        }
    }
    if hits.is_empty() {
        return None;
    }
    if wanted.needles.len() > 1 {
        // Python sorts the (position, weight) tuples: weights break ties
        hits.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    }
    let reach = width - END_MARGIN;
    if hits[hits.len() - 1].0 < reach {
        return Some((0, word_end(text, limit)));
    }
    let n = hits.len();
    let (mut best, mut best_start, mut best_first, mut total, mut j, mut k) = (-1.0f64, 0usize, 0usize, 0.0f64, 0usize, 0usize);
    let starts = std::iter::once(0).chain(hits.iter().map(|h| h.0.saturating_sub(CONTEXT_CHARS)));
    let starts: Vec<usize> = starts.collect();
    for s in starts {
        while j < n && hits[j].0 < s + reach {
            total += hits[j].1;
            j += 1;
        }
        while k < j && hits[k].0 < s {
            total -= hits[k].1;
            k += 1;
        }
        if total > best + 1e-9 {
            best = total;
            best_start = s;
            best_first = if k < n { hits[k].0 } else { s };
        }
    }
    let start = if best_start == 0 { 0 } else { word_start(text, best_start).min(best_first) };
    Some((start, word_end(text, start + limit)))
}

/// Python's `str.find(needle, from)` (an empty needle is found where it is looked for).
fn find(haystack: &[u8], finder: &memmem::Finder<'_>, from: usize) -> Option<usize> {
    if from > haystack.len() {
        return None;
    }
    finder.find(&haystack[from..]).map(|i| i + from)
}

/// The next space at or after `at`.
fn space(text: &[u8], at: usize) -> Option<usize> {
    memchr::memchr(b' ', &text[at.min(text.len())..]).map(|i| i + at)
}

/// The start of the first word that begins at or after `at` (after the next space).
fn word_start(text: &[u8], at: usize) -> usize {
    space(text, at).map_or(at, |space| space + 1)
}

/// `at` moved on to the next space (a region never cuts a word), or the text's end.
fn word_end(text: &[u8], at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    space(text, at).unwrap_or(text.len())
}
