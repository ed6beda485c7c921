//! newslink_native: a page of search hits highlighted in one call, in native code.
//!
//! The embedded engine's Python highlighter (`search/engines/snippet_region.py` to find the
//! region of a long text, `search/engines/ascii_snippet.py` to mark it and the titles) gives
//! tantivy's snippet HTML exactly, but does its work per occurrence of a query word in Python:
//! that was the whole gap between a keyword query and the bare top 10. This module does the
//! same steps for the ten hits of a page at once and returns the same strings; wherever the
//! Python marker would answer UNSURE (letters beyond ASCII, a word tantivy drops at a cut, an
//! empty needle) it returns the caller's `unsure` object, and the caller runs its Python path for
//! that one text (which ends in tantivy's own generator). One step further than the Python
//! marker: a text whose only characters beyond ASCII are separators (typographic quotes, `…`,
//! `£`) is answered here as tantivy answers it, where the Python path asks tantivy.

use std::collections::HashMap;

use pyo3::prelude::*;
use pyo3::types::PyString;

mod marker;
mod region;

use marker::{Html, Marker, Memo};

/// (needles, term -> 32-bit weight, max_chars): what a Python `ascii_snippet.Marker` holds.
type MarkerSpec = (Vec<String>, HashMap<String, f64>, usize);

fn to_py(py: Python<'_>, html: Html, unsure: &Bound<'_, PyAny>) -> Py<PyAny> {
    match html {
        Html::Marked(s) => PyString::new(py, &s).into_any().unbind(),
        Html::Nothing => py.None(),
        Html::Unsure => unsure.clone().unbind(),
    }
}

/// A text's HTML as `_Snippets.many` makes it: the region of a long text marked, or the whole
/// text when the region marks nothing.
fn text_html(text: &str, wanted: &region::Wanted, width: usize, marker: &Marker, memo: &mut Memo) -> Html {
    if !region::separators_only(text) {
        return Html::Unsure; // letters beyond ASCII: Python finds the region, tantivy marks it
    }
    match region::locate_text(text, wanted, width) {
        None => marker.html(text, memo),
        Some((start, end)) => match marker.html(&text[start..end], memo) {
            Html::Nothing => marker.html(text, memo),
            found => found,
        },
    }
}

/// One query's page highlighter: made once with the query's terms (the engine keeps it with the
/// query's markers), then `page` for each page of hits. Immutable, so threads may share it.
#[pyclass(frozen, module = "newslink_native")]
struct Highlighter {
    text: Marker,
    title: Marker,
    wanted: region::Wanted,
    width: usize,
    unsure: Py<PyAny>,
}

#[pymethods]
impl Highlighter {
    /// `wanted`: snippet_region's (needle, weight) of the query; `width`: the snippet width the
    /// region is made for; the markers' (needles, term -> weight, max_chars); `unsure`: what to
    /// answer where the Python path must decide.
    #[new]
    fn new(wanted: Vec<(String, f64)>, width: usize, text_marker: MarkerSpec, title_marker: MarkerSpec, unsure: Py<PyAny>) -> Self {
        Highlighter {
            text: Marker::new(text_marker.0, text_marker.1, text_marker.2),
            title: Marker::new(title_marker.0, title_marker.1, title_marker.2),
            wanted: region::Wanted::new(&wanted),
            width,
            unsure,
        }
    }

    /// The (texts' HTML, titles' HTML) of a page: each a str, None (nothing marked) or `unsure`
    /// (run the Python path for that one).
    fn page(&self, py: Python<'_>, texts: Vec<Bound<'_, PyString>>, titles: Vec<Bound<'_, PyString>>) -> (Vec<Py<PyAny>>, Vec<Py<PyAny>>) {
        let unsure = self.unsure.bind(py);
        let mut memo = Memo::new();
        let texts_html = texts
            .iter()
            .map(|t| {
                let html = t.to_str().map_or(Html::Unsure, |t| text_html(t, &self.wanted, self.width, &self.text, &mut memo));
                to_py(py, html, unsure)
            })
            .collect();
        let mut memo = Memo::new();
        let titles_html = titles
            .iter()
            .map(|t| to_py(py, t.to_str().map_or(Html::Unsure, |t| self.title.html(t, &mut memo)), unsure))
            .collect();
        (texts_html, titles_html)
    }
}

/// `Marker.html` of each text (no region): what the tests compare with the Python marker.
#[pyfunction]
fn mark(py: Python<'_>, texts: Vec<Bound<'_, PyString>>, marker: MarkerSpec, unsure: Bound<'_, PyAny>) -> Vec<Py<PyAny>> {
    let (marker, mut memo) = (Marker::new(marker.0, marker.1, marker.2), Memo::new());
    texts.iter().map(|t| to_py(py, t.to_str().map_or(Html::Unsure, |t| marker.html(t, &mut memo)), &unsure)).collect()
}

/// `snippet_region.locate` of a text of ASCII and separators, in Python's character offsets
/// (ValueError for any other text).
#[pyfunction]
fn locate(text: &str, wanted: Vec<(String, f64)>, width: usize) -> PyResult<Option<(usize, usize)>> {
    if !region::separators_only(text) {
        return Err(pyo3::exceptions::PyValueError::new_err("locate: only texts of ASCII and separators"));
    }
    Ok(region::locate(&region::char_view(text).0, &region::Wanted::new(&wanted), width))
}

/// tantivy's analysis of one lower-cased ASCII word, as the marker does it (None: dropped).
#[pyfunction]
fn analyse(word: &str) -> Option<String> {
    marker::analyse(&marker::english(), word)
}

#[pymodule]
fn newslink_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Highlighter>()?;
    m.add_function(wrap_pyfunction!(mark, m)?)?;
    m.add_function(wrap_pyfunction!(locate, m)?)?;
    m.add_function(wrap_pyfunction!(analyse, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
