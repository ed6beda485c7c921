//! newslink_native: a page of search hits highlighted in one call, in native code.
//!
//! The embedded engine's Python highlighter (`search/engines/snippet_region.py` to find the
//! region of a long text, `search/engines/ascii_snippet.py` to mark it and the titles) gives
//! tantivy's snippet HTML exactly, but does its work per occurrence of a query word in Python:
//! that was the whole gap between a keyword query and the bare top 10. This module does the
//! same steps for the ten hits of a page at once and returns the same strings; wherever the
//! Python marker would answer UNSURE (a text that is not ASCII, a word tantivy drops at a cut,
//! an empty needle) it returns the caller's `unsure` object, and the caller runs its Python
//! path for that one text (which ends in tantivy's own generator).

use std::collections::HashMap;

use pyo3::prelude::*;
use pyo3::types::PyString;

mod marker;
mod region;

use marker::{Html, Marker};

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
fn text_html(text: &str, wanted: &region::Wanted, width: usize, marker: &Marker) -> Html {
    if !text.is_ascii() {
        return Html::Unsure; // the region's offsets are Python's after str.lower(): Python finds it
    }
    match region::locate(text.as_bytes(), wanted, width) {
        None => marker.html(text),
        Some((start, end)) => match marker.html(&text[start..end]) {
            Html::Nothing => marker.html(text),
            found => found,
        },
    }
}

/// The (texts' HTML, titles' HTML) of a page: each a str, None (nothing marked) or `unsure`
/// (run the Python path for that one). `wanted`: snippet_region's (needle, weight) of the
/// query; `width`: the snippet width the region is made for.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn highlight_page(
    py: Python<'_>,
    texts: Vec<Bound<'_, PyString>>,
    titles: Vec<Bound<'_, PyString>>,
    wanted: Vec<(String, f64)>,
    width: usize,
    text_marker: MarkerSpec,
    title_marker: MarkerSpec,
    unsure: Bound<'_, PyAny>,
) -> (Vec<Py<PyAny>>, Vec<Py<PyAny>>) {
    let text_marker = Marker::new(text_marker.0, text_marker.1, text_marker.2);
    let title_marker = Marker::new(title_marker.0, title_marker.1, title_marker.2);
    let wanted = region::Wanted::new(&wanted);
    let texts_html = texts
        .iter()
        .map(|t| to_py(py, t.to_str().map_or(Html::Unsure, |t| text_html(t, &wanted, width, &text_marker)), &unsure))
        .collect();
    let titles_html = titles
        .iter()
        .map(|t| to_py(py, t.to_str().map_or(Html::Unsure, |t| title_marker.html(t)), &unsure))
        .collect();
    (texts_html, titles_html)
}

/// `Marker.html` of each text (no region): what the tests compare with the Python marker.
#[pyfunction]
fn mark(py: Python<'_>, texts: Vec<Bound<'_, PyString>>, marker: MarkerSpec, unsure: Bound<'_, PyAny>) -> Vec<Py<PyAny>> {
    let marker = Marker::new(marker.0, marker.1, marker.2);
    texts.iter().map(|t| to_py(py, t.to_str().map_or(Html::Unsure, |t| marker.html(t)), &unsure)).collect()
}

/// `snippet_region.locate` of an ASCII text (ValueError for any other).
#[pyfunction]
fn locate(text: &str, wanted: Vec<(String, f64)>, width: usize) -> PyResult<Option<(usize, usize)>> {
    if !text.is_ascii() {
        return Err(pyo3::exceptions::PyValueError::new_err("locate: only ASCII texts (their offsets are the same in Python)"));
    }
    Ok(region::locate(text.as_bytes(), &region::Wanted::new(&wanted), width))
}

/// tantivy's analysis of one lower-cased ASCII word, as the marker does it (None: dropped).
#[pyfunction]
fn analyse(word: &str) -> Option<String> {
    marker::analyse(&marker::english(), word)
}

#[pymodule]
fn newslink_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(highlight_page, m)?)?;
    m.add_function(wrap_pyfunction!(mark, m)?)?;
    m.add_function(wrap_pyfunction!(locate, m)?)?;
    m.add_function(wrap_pyfunction!(analyse, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
