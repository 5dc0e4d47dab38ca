"""The dashboard (`streamlit run app.py`): one module per page, each a thin view over coach's library.

Pages are callables wrapped in ``st.Page``; :func:`page` builds the same
page object wherever it is needed (the router, ``st.switch_page``,
``st.page_link``), so a page's URL is defined once, here.
"""

from __future__ import annotations

from dataclasses import dataclass

PAGE_NAMES = ("review", "practice", "compare", "export")
"""In menu order; the first is the page at the root URL unless another is asked for."""


@dataclass(frozen=True, slots=True)
class PageSpec:
    module: str
    title: str
    icon: str


_SPECS = {
    "review": PageSpec("coach.dashboard.review", "Review", ":material/insights:"),
    "practice": PageSpec("coach.dashboard.practice", "Practice", ":material/mic:"),
    "compare": PageSpec("coach.dashboard.compare", "Compare", ":material/compare_arrows:"),
    "export": PageSpec("coach.dashboard.export_page", "Export", ":material/download:"),
}


def page(name: str, *, default: bool = False):
    """The ``st.Page`` for ``name`` (one of :data:`PAGE_NAMES`); its URL path is the name."""
    import importlib

    import streamlit as st

    spec = _SPECS[name]
    render = importlib.import_module(spec.module).render
    return st.Page(render, title=spec.title, icon=spec.icon, url_path=name, default=default)


def pages(start: str = PAGE_NAMES[0]) -> list:
    """Every page in menu order; ``start`` is the default page (the one at the root URL)."""
    if start not in _SPECS:
        raise ValueError(f"unknown page {start!r} (known: {', '.join(PAGE_NAMES)})")
    return [page(name, default=name == start) for name in PAGE_NAMES]
