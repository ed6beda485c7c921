//! tantivy's snippet HTML of an ASCII text (or one whose characters beyond ASCII are all
//! separators, `region::separators_only`): `search/engines/ascii_snippet.py`'s `Marker.html`,
//! rule for rule, in native code (the Python one does this work per occurrence of a query word,
//! which was the whole gap between a keyword query and the bare top 10).
//!
//! Which words are marked: a run of `[A-Za-z0-9]` (tantivy's simple tokenizer on ASCII) that,
//! lower-cased, starts with one of the terms' needles and whose analysis -- dropped when 40
//! bytes or longer (tantivy's `RemoveLongFilter`: a token is kept while `len < 40`), else its
//! English stem by `frostem`, the crate (and version) tantivy 0.27's stemmer filter calls -- is a
//! query term.
//! The fragment cut, the 32-bit score sums, the earliest-on-a-tie choice and the escaping are
//! the Python marker's (in bytes, as tantivy counts them). Whatever the Python marker answers
//! UNSURE for is `Html::Unsure` here, except a text with separators beyond ASCII, which the Python
//! marker leaves to tantivy and this answers as tantivy does.

use std::collections::HashMap;

use frostem::{Algorithm, Stemmer};
use memchr::memmem;

/// A word tantivy's `remove_long(40)` drops is this long or longer.
const LONG_WORD: usize = 40;
/// Double sums this share apart rank as their 32-bit sums do (see ascii_snippet._CLEAR_LEAD).
const CLEAR_LEAD: f64 = 1e-4;

/// What the marker makes of a text.
#[derive(Debug, PartialEq)]
pub enum Html {
    Marked(String),
    Nothing,
    Unsure,
}

/// (start, end, weight) of a marked word.
type Mark = (usize, usize, f64);

/// One field's highlighter for one query.
pub struct Marker {
    /// each needle's searcher, built once per query (a needle is looked for, as in Python, rather
    /// than every word of a text tested against the needles: a SIMD scan, not a loop per byte)
    finders: Vec<memmem::Finder<'static>>,
    weights: HashMap<String, f64>,
    max_chars: usize,
    stemmer: Stemmer,
}

/// lower-cased candidate word -> its term's weight (None: not a query term): a page repeats its
/// query's words, and the analysis is a pure function of the word. One per call (the marker
/// itself is shared by threads).
pub type Memo = HashMap<Vec<u8>, Option<f64>>;

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// tantivy's analysis of one lower-cased run of ASCII letters and digits: None when its
/// remove_long(40) drops it, else its English stem.
pub fn analyse(stemmer: &Stemmer, word: &str) -> Option<String> {
    if word.len() >= LONG_WORD {
        return None;
    }
    Some(stemmer.stem(word).into_owned())
}

pub fn english() -> Stemmer {
    Stemmer::new(Algorithm::English)
}

impl Marker {
    pub fn new(needles: Vec<String>, weights: HashMap<String, f64>, max_chars: usize) -> Self {
        let finders = needles.iter().map(|n| memmem::Finder::new(n.as_bytes()).into_owned()).collect();
        Marker { finders, weights, max_chars, stemmer: english() }
    }

    /// `Marker.html` of ascii_snippet: the HTML, Nothing when no word is marked, Unsure where the
    /// Python marker would be (a needle is empty, a dropped word at a cut) -- except that a text
    /// whose characters beyond ASCII are all separators (`region::separators_only`) is answered,
    /// in bytes as tantivy cuts and escapes it, where the Python marker asks tantivy.
    pub fn html(&self, text: &str, memo: &mut Memo) -> Html {
        if self.finders.iter().any(|f| f.needle().is_empty()) || !crate::region::separators_only(text) {
            return Html::Unsure;
        }
        let marks = self.marks(text.as_bytes(), memo);
        if marks.is_empty() {
            return Html::Nothing;
        }
        snippet(text, &marks, self.max_chars)
    }

    /// The words of `text` (in text order) whose analysis is a query term: `ascii_snippet.Marker._marks`
    /// step for step. Each needle is found in the lower-cased text; an occurrence at a word start
    /// is a candidate, its word running on from the needle's end over letters and digits; the next
    /// search starts after that word (or one byte on, after an occurrence inside a word).
    fn marks(&self, text: &[u8], memo: &mut Memo) -> Vec<Mark> {
        let lower = text.to_ascii_lowercase();
        let n = lower.len();
        let mut out: Vec<Mark> = Vec::new();
        for finder in &self.finders {
            let step = finder.needle().len();
            let mut from = 0usize;
            while from <= n {
                let Some(found) = finder.find(&lower[from..]) else { break };
                let i = from + found;
                if i > 0 && is_word(lower[i - 1]) {
                    from = i + 1;
                    continue;
                }
                let mut end = i + step;
                while end < n && is_word(lower[end]) {
                    end += 1;
                }
                if let Some(weight) = self.weight(&lower[i..end], memo) {
                    out.push((i, end, weight));
                }
                from = end;
            }
        }
        if self.finders.len() > 1 {
            // two needles may find the same word (the same mark): text order, once each
            out.sort_unstable_by_key(|m| m.0);
            out.dedup_by_key(|m| m.0);
        }
        out
    }

    /// The weight of the query term the lower-cased `word` analyses to, if it is one (memoised).
    fn weight(&self, word: &[u8], memo: &mut Memo) -> Option<f64> {
        if let Some(&known) = memo.get(word) {
            return known;
        }
        let term = analyse(&self.stemmer, std::str::from_utf8(word).expect("ASCII"));
        let weight = term.and_then(|t| self.weights.get(&t).copied());
        memo.insert(word.to_vec(), weight);
        weight
    }
}

/// `text[from..to]` is all letters and digits (40 of them: a word tantivy drops).
fn all_word(text: &[u8], from: usize, to: usize) -> bool {
    text[from..to].iter().all(|&b| is_word(b))
}

/// tantivy's best fragment of `text` given its marks, as ascii_snippet._snippet cuts it.
fn snippet(text: &str, marks: &[Mark], max_chars: usize) -> Html {
    let (whole, text) = (text, text.as_bytes());
    let n = text.len();
    if n <= max_chars {
        // one fragment: the text up to its last word (a title, a short text)
        let mut stop = n;
        while stop > 0 && !is_word(text[stop - 1]) {
            stop -= 1;
        }
        if stop >= LONG_WORD && all_word(text, stop - LONG_WORD, stop) {
            return Html::Unsure;
        }
        return Html::Marked(render(whole, 0, stop, marks));
    }
    let mut fragments: Vec<(usize, usize, usize, usize)> = Vec::new(); // (start, stop, first mark, end mark)
    let (mut start, mut i) = (0usize, 0usize);
    loop {
        let limit = start + max_chars;
        // where the next fragment starts: the first word ending past `limit`
        let following = if limit >= n {
            None
        } else {
            let next = if is_word(text[limit]) {
                let mut f = limit;
                while f > start && is_word(text[f - 1]) {
                    f -= 1;
                }
                Some(f)
            } else {
                (limit + 1..n).find(|&j| is_word(text[j]))
            };
            if let Some(f) = next {
                if f + LONG_WORD <= n && all_word(text, f, f + LONG_WORD) {
                    return Html::Unsure;
                }
            }
            next
        };
        let upto = following.unwrap_or(n);
        let mut stop = upto;
        while stop > start && !is_word(text[stop - 1]) {
            stop -= 1;
        }
        if stop - start >= LONG_WORD && all_word(text, stop - LONG_WORD, stop) {
            return Html::Unsure;
        }
        let first = i;
        while i < marks.len() && marks[i].0 < upto {
            i += 1;
        }
        if i > first {
            fragments.push((start, stop, first, i));
        }
        match following {
            Some(f) if i < marks.len() => start = f,
            _ => break, // no later fragment can score
        }
    }
    let (start, stop, first, end) = match fragments.len() {
        0 => return Html::Nothing,
        1 => fragments[0],
        _ => best(&fragments, marks),
    };
    Html::Marked(render(whole, start, stop, &marks[first..end]))
}

/// tantivy's choice among scoring fragments: the highest sum of weights in 32-bit floats (text
/// order), the earliest on a tie; double sums decide when one leads clearly, as in Python.
fn best(fragments: &[(usize, usize, usize, usize)], marks: &[Mark]) -> (usize, usize, usize, usize) {
    let sums: Vec<f64> = fragments.iter().map(|f| marks[f.2..f.3].iter().fold(0.0, |t, m| t + m.2)).collect();
    let top = sums.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let near: Vec<usize> = (0..sums.len()).filter(|&k| sums[k] >= top * (1.0 - CLEAR_LEAD)).collect();
    if near.len() == 1 {
        return fragments[near[0]];
    }
    let (mut chosen, mut best_score) = (fragments[0], -1.0f64);
    for f in fragments {
        // (the double sum of two 32-bit floats rounded to 32 bits is their 32-bit sum)
        let score = marks[f.2..f.3].iter().fold(0.0f64, |s, m| (s + m.2) as f32 as f64);
        if score > best_score {
            chosen = *f;
            best_score = score;
        }
    }
    chosen
}

/// `text[start..stop]` escaped as tantivy escapes it, `<b>…</b>` around the marks (ASCII text:
/// every byte offset is a char boundary).
fn render(text: &str, start: usize, stop: usize, marks: &[Mark]) -> String {
    let fragment = &text[start..stop];
    let mut out = String::with_capacity(fragment.len() + 8 * marks.len() + 16);
    let mut at = 0usize;
    let clamp = |x: usize| x.min(fragment.len()); // Python's slices clamp
    for &(s, e, _) in marks {
        let (s, e) = (clamp(s - start), clamp(e - start));
        escape_into(&mut out, &fragment[at.min(s)..s]);
        out.push_str("<b>");
        out.push_str(&fragment[s..e]);
        out.push_str("</b>");
        at = e;
    }
    escape_into(&mut out, &fragment[at.min(fragment.len())..]);
    out
}

/// Python's html.escape (quote=True): & < > " '.
fn escape_into(out: &mut String, text: &str) {
    let mut from = 0;
    for (k, b) in text.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#x27;",
            _ => continue,
        };
        out.push_str(&text[from..k]);
        out.push_str(entity);
        from = k + 1;
    }
    out.push_str(&text[from..]);
}
